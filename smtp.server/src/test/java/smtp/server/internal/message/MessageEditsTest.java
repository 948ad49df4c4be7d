package smtp.server.internal.message;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import smtp.delivery.api.Envelope;
import smtp.server.spi.MessageChange;

public class MessageEditsTest {

    private static final String MESSAGE = "Received: from a by b\r\n\tid Q1\r\nFrom: alice@a.test\r\nSubject: hi\r\n"
            + "X-Spam: yes\r\nX-Spam: again\r\n\r\nbody line\r\n";

    private static String edit(List<MessageChange> changes) throws Exception {
        Path file = Files.createTempFile("message", ".eml");
        Files.writeString(file, MESSAGE);
        try (InputStream in = MessageEdits.applyToContent(changes, file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    public void headerFieldsAreAddedInsertedChangedAndRemovedByOccurrence() throws Exception {
        String edited = edit(List.of(MessageChange.insertHeader(0, "DKIM-Signature", "v=1; a=rsa-sha256;\n\tb=abc"),
                MessageChange.addHeader("X-Added", "at the end"), MessageChange.changeHeader("x-spam", 2, "no"),
                MessageChange.deleteHeader("X-Spam", 1), MessageChange.changeHeader("X-Missing", 1, "added"),
                MessageChange.deleteHeader("X-Absent", 1), MessageChange.insertHeader(99, "X-Last", " leading space")));
        assertEquals("DKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\nReceived: from a by b\r\n\tid Q1\r\n"
                + "From: alice@a.test\r\nSubject: hi\r\nX-Spam: no\r\nX-Added: at the end\r\nX-Missing: added\r\n"
                + "X-Last: leading space\r\n\r\nbody line\r\n", edited);
    }

    @Test
    public void theBodyIsReplacedAndTheHeaderKept() throws Exception {
        Path body = Files.createTempFile("body", ".txt");
        Files.writeString(body, "new body\r\n");
        assertEquals("Received: from a by b\r\n\tid Q1\r\nFrom: alice@a.test\r\nSubject: hi\r\nX-Spam: yes\r\n"
                + "X-Spam: again\r\n\r\nnew body\r\n", edit(List.of(MessageChange.replaceBody(body))));
        assertFalse(MessageEdits.changeContent(List.of(MessageChange.addRecipient("x@y.test", null))));
        assertTrue(MessageEdits.changeContent(List.of(MessageChange.replaceBody(body))));
    }

    @Test
    public void theEnvelopeGetsTheNewSenderAndRecipients() {
        Envelope envelope = new Envelope();
        envelope.reversePath = "alice@a.test";
        envelope.recipients = new ArrayList<>(List.of("bob@b.test", "carol@b.test"));
        envelope.dsnNotify.putAll(Map.of("carol@b.test", "NEVER"));
        MessageEdits.applyToEnvelope(List.of(MessageChange.changeSender("<bounces@a.test>", "SIZE=10"),
                MessageChange.addRecipient("<archive@b.test>", null), MessageChange.addRecipient("BOB@b.test", null),
                MessageChange.deleteRecipient("Carol@B.test")), envelope);
        assertEquals("bounces@a.test", envelope.reversePath);
        assertEquals(List.of("bob@b.test", "archive@b.test"), envelope.recipients);
        assertTrue(envelope.dsnNotify.isEmpty());
    }
}
