package smtp.delivery.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.delivery.api.Envelope;
import smtp.delivery.api.RecipientStatus;

public class MailboxesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void utf8AndQuotedAddressesAreValidAndUtf8LocalPartsNameAMaildir() throws Exception {
        assertTrue(Addresses.isValid("\"a b\"@client.test"));
        assertTrue(Addresses.isValid("j\u00f6rg@b\u00fccher.example"));
        assertFalse(Addresses.isValid("a b@client.test"));
        assertFalse(Addresses.isValid("a<b@client.test"));
        assertFalse(Addresses.isValid("\u00f6".repeat(33) + "@example.org")); // 66 octets in UTF-8
        assertEquals("xn--bcher-kva.example", Addresses.domain("x@B\u00fccher.example"));

        Path root = folder.getRoot().toPath();
        Mailboxes mailboxes = new Mailboxes(root, new String[] {"example.org", "b\u00fccher.example"});
        assertEquals("postmaster@example.org", mailboxes.postmaster());
        mailboxes.create("J\u00f6rg@example.org");
        assertEquals(RecipientStatus.LOCAL, mailboxes.status("j\u00f6rg@example.org"));
        // the same name with the umlaut decomposed (o + combining diaeresis) is the same mailbox
        assertEquals(RecipientStatus.LOCAL, mailboxes.status("jo\u0308rg@example.org"));
        assertTrue(Files.isDirectory(root.resolve("example.org").resolve("j\u00f6rg").resolve("new")));
        assertEquals(RecipientStatus.LOCAL, mailboxes.status("postmaster@xn--bcher-kva.example"));
        assertEquals(RecipientStatus.LOCAL, mailboxes.status("postmaster@b\u00fccher.example"));
        assertNull("a quoted local part names no Maildir", mailboxes.pathOf("\"../x\"@example.org"));
        assertNull(mailboxes.pathOf("a/b@example.org"));
    }

    @Test
    public void theMaildirOfAnAddressIsKeptButWhetherItExistsIsAskedEveryTime() throws Exception {
        Path root = folder.getRoot().toPath();
        Mailboxes mailboxes = new Mailboxes(root, new String[] {"example.org"});
        mailboxes.create("bob@example.org");
        Path bob = root.resolve("example.org").resolve("bob");
        assertEquals(bob, mailboxes.pathOf("Bob@example.org"));
        assertEquals(RecipientStatus.LOCAL, mailboxes.status("Bob@example.org"));
        assertEquals(RecipientStatus.UNKNOWN, mailboxes.status("alice@example.org"));
        Files.createDirectories(root.resolve("example.org").resolve("alice"));
        assertEquals("a Maildir made by hand takes mail at once", RecipientStatus.LOCAL, mailboxes.status("alice@example.org"));
        for (String folderName : List.of("new", "cur", "tmp")) {
            Files.delete(bob.resolve(folderName));
        }
        Files.delete(bob);
        assertEquals("a Maildir removed by hand takes none", RecipientStatus.UNKNOWN, mailboxes.status("Bob@example.org"));
        assertNull(mailboxes.pathOf("a/b@example.org"));
        assertNull("kept as naming none", mailboxes.pathOf("a/b@example.org"));

        for (int i = 0; i < 3 * Mailboxes.PATHS_KEPT; i++) { // clients choose the addresses: the kept ones stay few
            assertEquals(root.resolve("example.org").resolve("u" + i), mailboxes.pathOf("U" + i + "@example.org"));
            assertTrue(mailboxes.pathsKept() <= Mailboxes.PATHS_KEPT);
        }
        assertEquals(bob, mailboxes.pathOf("Bob@example.org"));
        assertNull(mailboxes.pathOf("a/b@example.org"));
    }

    @Test
    public void staleFilesInTmpAreRemovedAndFreshOnesKept() throws Exception {
        Path root = folder.getRoot().toPath();
        Path tmp = Files.createDirectories(root.resolve("example.org/bob/tmp"));
        Path stale = Files.writeString(tmp.resolve("1.STALE"), "half a message");
        Path fresh = Files.writeString(tmp.resolve("2.FRESH"), "being written");
        Path delivered = Files.writeString(Files.createDirectories(root.resolve("example.org/bob/new")).resolve("3.OLD"), "x");
        long now = System.currentTimeMillis();
        FileTime twoDaysAgo = FileTime.fromMillis(now - 2 * Maildir.STALE_MILLIS);
        Files.setLastModifiedTime(stale, twoDaysAgo);
        Files.setLastModifiedTime(delivered, twoDaysAgo);
        assertEquals(1, Maildir.removeStale(root, now));
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(fresh));
        assertTrue("only tmp/ is cleaned", Files.exists(delivered));
        assertEquals(0, Maildir.removeStale(root.resolve("missing"), now));
    }

    @Test
    public void theEnvelopeKeepsItsEsmtpParametersInTheQueue() throws Exception {
        Envelope envelope = new Envelope();
        envelope.queueId = "Q1";
        envelope.reversePath = "";
        envelope.recipients = List.of("\"a b\"@example.org", "carol@elsewhere.test");
        envelope.body = Envelope.BODY_BINARYMIME;
        envelope.smtputf8 = true;
        envelope.requireTls = true;
        envelope.dsnReturn = "HDRS";
        envelope.dsnEnvelopeId = "QQ+2B1";
        envelope.dsnNotify.put("carol@elsewhere.test", "SUCCESS,DELAY");
        envelope.dsnOriginalRecipient.put("carol@elsewhere.test", "rfc822;carol@elsewhere.test");
        envelope.dsnNotify.put("\"a b\"@example.org", "NEVER");
        Envelope decoded = EnvelopeCodec.decode(EnvelopeCodec.encode(envelope));
        assertEquals(envelope.recipients, decoded.recipients);
        assertEquals(envelope.body, decoded.body);
        assertTrue(decoded.smtputf8 && decoded.requireTls && !decoded.tlsOptional);
        assertEquals("HDRS", decoded.dsnReturn);
        assertEquals("QQ+2B1", decoded.dsnEnvelopeId);
        assertEquals(envelope.dsnNotify, decoded.dsnNotify);
        assertEquals(envelope.dsnOriginalRecipient, decoded.dsnOriginalRecipient);
    }
}
