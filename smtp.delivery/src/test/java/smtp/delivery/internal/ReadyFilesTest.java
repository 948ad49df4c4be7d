package smtp.delivery.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.zip.CRC32C;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import smtp.storage.DirectorySync;

public class ReadyFilesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final DirectorySync.Directories directories = new DirectorySync.Directories();
    private final ReadyFiles ready = new ReadyFiles();
    private final byte[] body = "Subject: hi\r\n\r\n".concat("y".repeat(40_000)).concat("\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    @After
    public void close() {
        ready.close();
    }

    private Path mailbox(String localPart) throws IOException {
        Path mailbox = folder.getRoot().toPath().resolve("example.org").resolve(localPart);
        Maildir.create(mailbox);
        return mailbox;
    }

    private void deliver(List<Path> mailboxes, String name, InputStream content) throws IOException {
        Maildir.deliver(mailboxes.stream().map(m -> new Maildir.Target(m.getFileName() + "@example.org", m)).toList(),
                name, "alice@example.org", content, directories, ready);
    }

    private byte[] expected(String localPart) {
        byte[] trace = ("Return-Path: <alice@example.org>\r\nDelivered-To: " + localPart + "@example.org\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[trace.length + body.length];
        System.arraycopy(trace, 0, all, 0, trace.length);
        System.arraycopy(body, 0, all, trace.length, body.length);
        return all;
    }

    private static String marker(String name, byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return name + " " + content.length + " " + Long.toHexString(crc.getValue());
    }

    /** Waits (5 s at most) until the mailbox has ready files, made in the background after its first message. */
    private void awaitReady(Path mailbox) throws InterruptedException {
        for (int i = 0; i < 500 && ready.count(mailbox) < ReadyFiles.BATCH; i++) {
            Thread.sleep(10);
        }
        assertEquals("ready files made for " + mailbox, ReadyFiles.BATCH, ready.count(mailbox));
    }

    private static long filesIn(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.count();
        }
    }

    @Test
    public void theFirstMessageTakesTheMaildirWayAndTheNextAReadyFileMarkedAndForcedOnce() throws Exception {
        Path bob = mailbox("bob");
        deliver(List.of(bob), "1.A", new ByteArrayInputStream(body));
        assertArrayEquals(expected("bob"), Files.readAllBytes(bob.resolve("new/1.A")));
        assertNull("none was ready: made in tmp/, unmarked", ReadyFiles.marker(bob.resolve("new/1.A")));

        awaitReady(bob);
        deliver(List.of(bob), "1.B", new ByteArrayInputStream(body));
        assertArrayEquals(expected("bob"), Files.readAllBytes(bob.resolve("new/1.B")));
        assertEquals("written into a ready file, marked with its name, length and CRC-32C",
                marker("1.B", expected("bob")), ReadyFiles.marker(bob.resolve("new/1.B")));
        assertEquals(ReadyFiles.BATCH - 1, filesIn(bob.resolve("tmp/ready")));
        assertEquals("nothing else in tmp/", 1, filesIn(bob.resolve("tmp")));

        ready.close();
        assertEquals("the ready files not taken are removed on close", 0, filesIn(bob.resolve("tmp/ready")));
    }

    @Test
    public void copiesForSeveralMaildirsAreEachMarkedWithTheirOwnTraceLines() throws Exception {
        Path bob = mailbox("bob");
        Path carol = mailbox("carol");
        deliver(List.of(bob, carol), "2.A", new ByteArrayInputStream(body));
        awaitReady(bob);
        awaitReady(carol);

        deliver(List.of(bob, carol), "2.B", new ByteArrayInputStream(body));
        assertArrayEquals(expected("bob"), Files.readAllBytes(bob.resolve("new/2.B")));
        assertArrayEquals(expected("carol"), Files.readAllBytes(carol.resolve("new/2.B")));
        assertEquals(marker("2.B", expected("bob")), ReadyFiles.marker(bob.resolve("new/2.B")));
        assertEquals(marker("2.B", expected("carol")), ReadyFiles.marker(carol.resolve("new/2.B")));
    }

    @Test
    public void aMessageCutOffLeavesNoReadyFileWrittenAndNothingInNew() throws Exception {
        Path bob = mailbox("bob");
        deliver(List.of(bob), "3.A", new ByteArrayInputStream(body));
        awaitReady(bob);

        InputStream cutOff = new SequenceInputStream(new ByteArrayInputStream(body), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });
        assertThrows(IOException.class, () -> deliver(List.of(bob), "3.B", cutOff));
        assertFalse(Files.exists(bob.resolve("new/3.B")));
        assertEquals("the ready file taken is removed", ReadyFiles.BATCH - 1, filesIn(bob.resolve("tmp/ready")));
        try (var files = Files.list(bob.resolve("tmp/ready"))) {
            assertTrue("the others are still empty", files.allMatch(f -> f.toFile().length() == 0));
        }
    }

    @Test
    public void recoverMovesWholeMarkedMessagesIntoNewAndRemovesCutOffOnesAndOldUnmarkedFiles() throws Exception {
        Path bob = mailbox("bob");
        Path readyFolder = Files.createDirectories(bob.resolve("tmp/ready"));
        long now = System.currentTimeMillis();
        byte[] content = expected("bob");

        Path whole = Files.write(readyFolder.resolve("r1.1"), content);
        ReadyFiles.mark(whole, "4.A", content.length, crc(content));
        Path torn = Files.write(readyFolder.resolve("r1.2"), content);
        ReadyFiles.mark(torn, "4.B", content.length, crc(content));
        Files.write(torn, new byte[4096], StandardOpenOption.WRITE); // a block that never reached the disk
        Path shortened = Files.write(readyFolder.resolve("r1.3"), content);
        ReadyFiles.mark(shortened, "4.C", content.length + 1, crc(content));
        Path escaping = Files.write(readyFolder.resolve("r1.4"), content);
        ReadyFiles.mark(escaping, "../cur/4.D", content.length, crc(content));
        Path oldEmpty = Files.createFile(readyFolder.resolve("r1.5"));
        Files.setLastModifiedTime(oldEmpty, FileTime.fromMillis(now - Maildir.STALE_MILLIS - 60_000));
        Path freshEmpty = Files.createFile(readyFolder.resolve("r1.6"));
        Path probed = Files.createFile(readyFolder.resolve("r1.7")); // a kill between a batch's probe and its undoing
        Files.getFileAttributeView(probed, UserDefinedFileAttributeView.class)
                .write(ReadyFiles.MARKER, ByteBuffer.allocate(0));

        assertEquals(new ReadyFiles.Recovered(1, 4), ReadyFiles.recover(folder.getRoot().toPath(), now));
        assertArrayEquals("the whole one, under the name its marker carries", content,
                Files.readAllBytes(bob.resolve("new/4.A")));
        assertFalse(Files.exists(whole));
        for (Path removed : List.of(torn, shortened, escaping, oldEmpty)) {
            assertFalse(removed + " removed", Files.exists(removed));
        }
        assertTrue("an empty file made ahead a moment ago may be a running instance's", Files.exists(freshEmpty));
        assertTrue("so may one with an empty marker: a batch's probe", Files.exists(probed));
        assertEquals(List.of("4.A"), Files.list(bob.resolve("new")).map(p -> p.getFileName().toString()).toList());
        assertEquals(0, filesIn(bob.resolve("cur")));
    }

    @Test
    public void aMessageThatAnotherInstanceRecoveredBeforeItsRenameIsDelivered() throws Exception {
        Path bob = mailbox("bob");
        Path file = Files.write(Files.createDirectories(bob.resolve("tmp/ready")).resolve("r2.1"), body);
        ReadyFiles.mark(file, "5.A", body.length, crc(body));
        assertEquals(new ReadyFiles.Recovered(1, 0), ReadyFiles.recover(folder.getRoot().toPath(), System.currentTimeMillis()));

        ReadyFiles.commit(bob, file, "5.A"); // its writer renames it only now
        assertArrayEquals(body, Files.readAllBytes(bob.resolve("new/5.A")));
    }

    private static long crc(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return crc.getValue();
    }
}
