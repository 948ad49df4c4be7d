package smtp.server.internal.message;

import static org.junit.Assert.assertEquals;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;

import org.junit.Test;

public class ReceivedHeaderTest {

    private static final ZonedDateTime WHEN = ZonedDateTime.of(2026, 11, 2, 9, 5, 7, 0, ZoneOffset.ofHours(1));

    @Test
    public void namesClientServerProtocolIdAndSingleRecipient() throws Exception {
        byte[] header = ReceivedHeader.of("client.test", InetAddress.getByName("192.0.2.7"), "mx.example.org", "SMTP Suite 1.2.3",
                ReceivedHeader.protocol(true, false, false, false), null, "ABC123", List.of("bob@example.org"), WHEN);
        assertEquals("Received: from client.test ([192.0.2.7])\r\n"
                + "\tby mx.example.org (SMTP Suite 1.2.3) with ESMTP id ABC123\r\n"
                + "\tfor <bob@example.org>;\r\n"
                + "\tMon, 2 Nov 2026 09:05:07 +0100\r\n", new String(header, StandardCharsets.UTF_8));
    }

    @Test
    public void ipv6PlainSmtpTlsAndSeveralRecipients() throws Exception {
        byte[] header = ReceivedHeader.of(null, InetAddress.getByName("::1"), "mx", "S 1.0.0", ReceivedHeader.protocol(false, false, true, false),
                "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", "Q1", List.of("a@x.test", "b@x.test"), WHEN);
        assertEquals("Received: from unknown ([IPv6:0:0:0:0:0:0:0:1])\r\n"
                + "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
                + "\tby mx (S 1.0.0) with SMTPS id Q1;\r\n"
                + "\tMon, 2 Nov 2026 09:05:07 +0100\r\n", new String(header, StandardCharsets.UTF_8));
    }

    @Test
    public void theProtocolTypesOfRfc3848AndRfc6531() {
        assertEquals("ESMTPSA", ReceivedHeader.protocol(true, false, true, true));
        assertEquals("ESMTPA", ReceivedHeader.protocol(true, false, false, true));
        assertEquals("UTF8SMTPS", ReceivedHeader.protocol(true, true, true, false));
        assertEquals("SMTP", ReceivedHeader.protocol(false, false, false, false));
    }
}
