package smtp.delivery.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.storage.DirectorySync;

public class MaildirTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final DirectorySync.Directories directories = new DirectorySync.Directories();
    private final byte[] body = "Subject: hi\r\n\r\n".concat("x".repeat(40_000)).concat("\r\n").getBytes(StandardCharsets.US_ASCII);

    private byte[] deliver(Path mailbox, String name) throws Exception {
        Maildir.deliver(List.of(new Maildir.Target("bob@example.org", mailbox)), name, "alice@example.org",
                new ByteArrayInputStream(body), directories, null);
        return Files.readAllBytes(mailbox.resolve("new").resolve(name));
    }

    private byte[] expected() {
        byte[] trace = "Return-Path: <alice@example.org>\r\nDelivered-To: bob@example.org\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[trace.length + body.length];
        System.arraycopy(trace, 0, all, 0, trace.length);
        System.arraycopy(body, 0, all, trace.length, body.length);
        return all;
    }

    @Test
    public void makesTheMaildirOfAMailboxThatHasNone() throws Exception {
        Path mailbox = folder.getRoot().toPath().resolve("example.org/bob");
        assertArrayEquals("trace lines, then the content, across several buffers", expected(), deliver(mailbox, "1.A"));
        assertTrue(Files.isDirectory(mailbox.resolve("cur")));
        assertEquals(0, Files.list(mailbox.resolve("tmp")).count());
    }

    @Test
    public void makesANewFolderRemovedByHand() throws Exception {
        Path mailbox = folder.getRoot().toPath().resolve("example.org/bob");
        Maildir.create(mailbox);
        Files.delete(mailbox.resolve("new"));
        assertArrayEquals(expected(), deliver(mailbox, "1.B"));
    }

    @Test
    public void replacesWhatACrashLeftOfTheSameMessage() throws Exception {
        Path mailbox = folder.getRoot().toPath().resolve("example.org/bob");
        Maildir.create(mailbox);
        Files.writeString(mailbox.resolve("tmp").resolve("1.C"), "half a message");
        assertArrayEquals(expected(), deliver(mailbox, "1.C"));
        assertFalse(Files.exists(mailbox.resolve("tmp").resolve("1.C")));
    }
}
