package smtp.senderauth.internal;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.Test;

/**
 * RFC 8463's own example, and messages signed by dkimpy (python3-dkim, an implementation of its own: RSA with
 * simple and relaxed canonicalization, Ed25519-SHA256), verified here; then changed, and no longer.
 */
public class DkimTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = DkimTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static MapDns keys() throws IOException {
        return new MapDns().add("TXT", "brisbane._domainkey.football.example.com", resource("brisbane.dns").strip())
                .add("TXT", "test._domainkey.football.example.com", resource("test.dns").strip());
    }

    private static List<Dkim.Verdict> verify(MapDns dns, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
        return new Dkim(dns, () -> 0L).verify(() -> new ByteArrayInputStream(bytes));
    }

    @Test
    public void signaturesOfAnotherImplementationVerify() throws Exception {
        for (String file : List.of("ed-relaxed.eml", "rsa-simple.eml", "rsa-relaxed.eml")) {
            List<Dkim.Verdict> verdicts = verify(keys(), resource(file));
            assertEquals(file, 1, verdicts.size());
            assertEquals(file + ": " + verdicts.get(0).reason(), Dkim.Result.PASS, verdicts.get(0).result());
            assertEquals("football.example.com", verdicts.get(0).domain());
        }
    }

    @Test
    public void aChangedBodyOrHeaderFieldFailsAndAMissingOrUnreachableKeyIsAnError() throws Exception {
        String signed = resource("ed-relaxed.eml");
        Dkim.Verdict body = verify(keys(), signed.replace("We lost the game.", "We won the game.")).get(0);
        assertEquals(Dkim.Result.FAIL, body.result());
        assertEquals("the body hash does not match", body.reason());
        Dkim.Verdict subject = verify(keys(), signed.replace("Is dinner ready?", "Is lunch ready?")).get(0);
        assertEquals(Dkim.Result.FAIL, subject.result());
        assertEquals("the signature does not verify", subject.reason());
        assertEquals("relaxed canonicalization ignores added white space", Dkim.Result.PASS,
                verify(keys(), signed.replace("Are you hungry yet?", "Are  you   hungry yet?  ")).get(0).result());
        assertEquals("simple canonicalization does not", Dkim.Result.FAIL, verify(keys(),
                resource("rsa-simple.eml").replace("Are you hungry yet?", "Are  you hungry yet?")).get(0).result());

        assertEquals(Dkim.Result.PERMERROR, verify(new MapDns(), signed).get(0).result());
        MapDns down = new MapDns();
        down.failing.add("brisbane._domainkey.football.example.com");
        assertEquals(Dkim.Result.TEMPERROR, verify(down, signed).get(0).result());
        MapDns revoked = new MapDns().add("TXT", "brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=");
        assertEquals(Dkim.Result.FAIL, verify(revoked, signed).get(0).result());
        assertEquals(List.of(), verify(keys(), "From: a@b.test\r\n\r\nno signature\r\n"));
    }

    /**
     * RFC 8463's own example (Appendix A): RFC 6376's sample message signed with Ed25519-SHA256 (selector brisbane)
     * and RSA-SHA256 (selector test), both simple/simple, with the keys the RFC publishes.
     */
    @Test
    public void theExampleOfRfc8463AppendixAVerifiesWithBothKeys() throws Exception {
        MapDns dns = new MapDns().add("TXT", "brisbane._domainkey.football.example.com",
                "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
                .add("TXT", "test._domainkey.football.example.com", "v=DKIM1; k=rsa; "
                        + "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0"
                        + "Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kr"
                        + "yOTIKT+l/K4w3QIDAQAB");
        List<Dkim.Verdict> verdicts = verify(dns, resource("rfc8463.eml"));
        assertEquals(2, verdicts.size());
        assertEquals("ed25519: " + verdicts.get(0).reason(), Dkim.Result.PASS, verdicts.get(0).result());
        assertEquals("brisbane", verdicts.get(0).selector());
        assertEquals("rsa: " + verdicts.get(1).reason(), Dkim.Result.PASS, verdicts.get(1).result());
        assertEquals("test", verdicts.get(1).selector());
    }
}
