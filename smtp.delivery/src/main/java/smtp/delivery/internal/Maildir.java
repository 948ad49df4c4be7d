package smtp.delivery.internal;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Delivery into one Maildir: the message is written under {@code tmp/}, forced
 * to disk and renamed into {@code new/}, so a reader never sees half a message.
 * File names are {@code <seconds>.<queue id>.<host>}: unique per mailbox, and
 * the same again when a delivery is repeated after a crash, so that
 * {@link #contains} can tell it already happened.
 */
final class Maildir {

    private Maildir() {}

    static void create(Path mailbox) throws IOException {
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            Files.createDirectories(mailbox.resolve(sub));
        }
    }

    static String fileName(long receivedAt, String queueId, String host) {
        return (receivedAt / 1000) + "." + queueId + "." + host.replace('/', '\u2215').replace(':', '\u2236');
    }

    /** @return true if a message of this name is in new/ or, read or flagged, in cur/ */
    static boolean contains(Path mailbox, String name) throws IOException {
        if (Files.exists(mailbox.resolve("new").resolve(name))) {
            return true;
        }
        Path cur = mailbox.resolve("cur");
        if (!Files.isDirectory(cur)) {
            return false;
        }
        try (DirectoryStream<Path> read = Files.newDirectoryStream(cur, name + "*")) {
            for (Path file : read) {
                String found = file.getFileName().toString();
                if (found.equals(name) || found.startsWith(name + ":")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Delivers a spooled message, preceded by its Return-Path and Delivered-To
     * header lines.
     */
    static void deliver(Path mailbox, String name, Path message, String reversePath, String recipient, Spool spool)
            throws IOException {
        Path staged = mailbox.resolve("tmp").resolve(name);
        if (!Files.isDirectory(staged.getParent()) || !Files.isDirectory(mailbox.resolve("new"))) {
            create(mailbox);
        }
        byte[] trace = ("Return-Path: <" + reversePath + ">\r\nDelivered-To: " + recipient + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        Files.deleteIfExists(staged); // left by a delivery that a crash interrupted
        try (FileChannel out = FileChannel.open(staged, CREATE_NEW, WRITE);
                FileChannel in = FileChannel.open(message, READ)) {
            ByteBuffer head = ByteBuffer.wrap(trace);
            while (head.hasRemaining()) {
                out.write(head);
            }
            long size = in.size();
            for (long done = 0; done < size; ) {
                done += in.transferTo(done, size - done, out);
            }
            out.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(staged);
            throw e;
        }
        Path delivered = mailbox.resolve("new");
        Files.move(staged, delivered.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        spool.forceDirectory(delivered);
    }
}
