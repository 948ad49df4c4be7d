package smtp.milter.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;

import org.junit.After;
import org.junit.Test;

import smtp.server.spi.MessageChange;
import smtp.server.spi.MessageContent;
import smtp.server.spi.PolicyFacts;
import smtp.server.spi.PolicyStage;
import smtp.server.spi.PolicyVerdict;

/**
 * The client against a scripted milter on a loopback socket, for the replies and actions that no packaged milter
 * gives on demand. The real milters are in the integration tests.
 */
public class MilterSessionTest {

    private static final String MESSAGE = "Received: from a by b\r\nFrom: x@y.test\r\nSubject: hi\r\n\r\n";

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private ServerSocket server;
    /** What the milter received: each command, with its data as text. */
    private final List<String> received = new CopyOnWriteArrayList<>();

    @After
    public void stop() throws IOException {
        timer.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    /** A milter that answers each command with the packets the script gives ("" for no answer). */
    private MilterSession milter(BiFunction<Character, String, List<byte[]>> script) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            try (Socket socket = server.accept()) {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                while (true) {
                    int length = in.readInt();
                    char command = (char) in.readUnsignedByte();
                    byte[] data = new byte[length - 1];
                    in.readFully(data);
                    String text = new String(data, StandardCharsets.ISO_8859_1).replace('\0', '|');
                    received.add(command + text);
                    for (byte[] packet : script.apply(command, text)) {
                        out.write(packet);
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // the client closed
            }
        });
        thread.setDaemon(true);
        thread.start();
        MilterConnection connection = MilterConnection.open(
                MilterConnection.Address.parse("127.0.0.1:" + server.getLocalPort()), 2000, timer);
        Path work = Files.createTempDirectory("milter");
        return new MilterSession(connection, new MilterSession.Settings("scripted", 2000, 2000,
                Map.of(Packets.M_CONNECT, List.of("j", "{client_addr}")), work));
    }

    /** Waits (2 s at most) until the milter received that many commands. */
    private void awaitReceived(int count) throws InterruptedException {
        for (int i = 0; i < 200 && received.size() < count; i++) {
            Thread.sleep(10);
        }
    }

    private static byte[] packet(char command, Packets.Data data) {
        byte[] bytes = data.bytes();
        return new Packets.Data().integer(bytes.length + 1).octet(command).raw(bytes, 0, bytes.length).bytes();
    }

    private static byte[] packet(char command) {
        return packet(command, new Packets.Data());
    }

    /** The options a milter that wants every stage and every reply gives, with a macro list for MAIL. */
    private static List<byte[]> options() {
        return List.of(packet(Packets.OPTNEG, new Packets.Data().integer(6).integer(Packets.ACTIONS).integer(0)
                .integer(Packets.M_ENVFROM).string("{mail_addr} {auth_authen}")));
    }

    private static PolicyFacts facts(PolicyStage stage, byte[] content) {
        PolicyFacts facts = new PolicyFacts();
        facts.stage = stage;
        facts.sessionId = "S1";
        facts.serverName = "mx.test";
        facts.clientAddress = "192.0.2.7";
        facts.clientPort = 40000;
        facts.heloName = "client.test";
        facts.sender = "alice@a.test";
        facts.mailParameters = Map.of("SIZE", "100");
        facts.recipient = "bob@b.test";
        facts.queueId = "Q1";
        facts.content = new MessageContent() {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(content);
            }

            @Override
            public long size() {
                return content.length;
            }
        };
        return facts;
    }

    @Test
    public void everyStageWithItsMacrosAndEveryModificationAtTheEnd() throws Exception {
        MilterSession session = milter((command, data) -> switch (command) {
            case Packets.OPTNEG -> options();
            case Packets.MACRO -> List.of();
            case Packets.BODYEOB -> List.of(packet(Packets.PROGRESS),
                    packet(Packets.CHGFROM, new Packets.Data().string("<bounces@a.test>").string("SIZE=100")),
                    packet(Packets.ADDRCPT_PAR, new Packets.Data().string("<archive@b.test>").string("NOTIFY=NEVER")),
                    packet(Packets.ADDRCPT, new Packets.Data().string("<copy@b.test>")),
                    packet(Packets.DELRCPT, new Packets.Data().string("<bob@b.test>")),
                    packet(Packets.INSHEADER, new Packets.Data().integer(0).string("X-Top").string("first")),
                    packet(Packets.ADDHEADER, new Packets.Data().string("X-Bottom").string("last")),
                    packet(Packets.CHGHEADER, new Packets.Data().integer(1).string("Subject").string("")),
                    packet(Packets.REPLBODY, new Packets.Data().raw("new ".getBytes(), 0, 4)),
                    packet(Packets.REPLBODY, new Packets.Data().raw("body\r\n".getBytes(), 0, 6)),
                    packet(Packets.QUARANTINE, new Packets.Data().string("looks odd")), packet(Packets.CONTINUE));
            default -> List.of(packet(Packets.CONTINUE));
        });
        session.negotiate();
        byte[] content = (MESSAGE + "body line\r\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(PolicyVerdict.Action.CONTINUE, session.connect(facts(PolicyStage.CONNECT, content)).action());
        session.helo(facts(PolicyStage.HELO, content));
        session.mail(facts(PolicyStage.MAIL, content));
        session.rcpt(facts(PolicyStage.RCPT, content));
        PolicyVerdict end = session.endOfMessage(facts(PolicyStage.END_OF_MESSAGE, content));
        assertEquals(PolicyVerdict.Action.QUARANTINE, end.action());
        assertEquals("looks odd", end.text());
        List<String> changes = new ArrayList<>();
        Path body = null;
        for (MessageChange change : end.changes()) {
            changes.add(change.kind() + " " + change.name() + " " + change.value() + " " + change.index());
            if (change.kind() == MessageChange.Kind.REPLACE_BODY) {
                body = change.body();
            }
        }
        assertEquals(List.of("CHANGE_SENDER SIZE=100 bounces@a.test 0", "ADD_RECIPIENT NOTIFY=NEVER archive@b.test 0",
                "ADD_RECIPIENT null copy@b.test 0", "DELETE_RECIPIENT null bob@b.test 0", "INSERT_HEADER X-Top first 0",
                "ADD_HEADER X-Bottom last 0", "CHANGE_HEADER Subject  1", "REPLACE_BODY null null 0"), changes);
        assertEquals("new body\r\n", Files.readString(body));
        session.quit(false);
        awaitReceived(15);
        assertEquals(List.of("O", "D", "C", "H", "D", "M", "R", "T", "L", "L", "L", "N", "B", "E", "Q"),
                received.stream().map(command -> command.substring(0, 1)).toList());
        assertEquals("DCj|mx.test|{client_addr}|192.0.2.7|", received.get(1));
        assertEquals("the milter asked for these MAIL macros; there is no user", "DM{mail_addr}|alice@a.test|",
                received.get(4));
        assertEquals("M<alice@a.test>|SIZE=100|", received.get(5));
        assertEquals("LReceived|from a by b|", received.get(8));
        assertEquals("Bbody line\r\n", received.get(12));
    }

    @Test
    public void replyCodesSkipsAcceptsAndDiscards() throws Exception {
        int[] bodies = {0};
        MilterSession session = milter((command, data) -> switch (command) {
            case Packets.OPTNEG -> options();
            case Packets.MACRO -> List.of();
            case Packets.RCPT -> List.of(data.contains("spam@") ? packet(Packets.REPLYCODE, new Packets.Data()
                    .string("550-5.7.1 No spam here\r\n550 5.7.1 see the policy")) : packet(Packets.CONTINUE));
            case Packets.BODY -> {
                bodies[0]++;
                yield List.of(packet(Packets.SKIP));
            }
            case Packets.BODYEOB -> List.of(packet(Packets.DISCARD));
            default -> List.of(packet(Packets.CONTINUE));
        });
        session.negotiate();
        byte[] large = (MESSAGE + "x".repeat(200_000)).getBytes(StandardCharsets.US_ASCII);
        session.connect(facts(PolicyStage.CONNECT, large));
        session.mail(facts(PolicyStage.MAIL, large));
        PolicyFacts spam = facts(PolicyStage.RCPT, large);
        spam.recipient = "spam@b.test";
        assertEquals("550 5.7.1 No spam here see the policy", session.rcpt(spam).reply());
        session.rcpt(facts(PolicyStage.RCPT, large));
        PolicyVerdict end = session.endOfMessage(facts(PolicyStage.END_OF_MESSAGE, large));
        assertEquals(PolicyVerdict.Action.DISCARD, end.action());
        assertEquals("a skip after the first chunk: no more chunks", 1, bodies[0]);

        assertEquals(PolicyVerdict.Action.DEFER, MilterSession.replyCode("451 4.3.0 try later").action());
        assertEquals(PolicyVerdict.Action.DISCONNECT, MilterSession.replyCode("421 4.7.0 going down").action());
        assertEquals("554 5.7.1 Command rejected", MilterSession.replyCode("554").reply());
    }

    @Test
    public void anAcceptAtMailEndsTheMessageForTheMilterAndTheNextMailIsPrecededByAnAbort() throws Exception {
        MilterSession session = milter((command, data) -> switch (command) {
            case Packets.OPTNEG -> options();
            case Packets.MACRO -> List.of();
            case Packets.MAIL -> List.of(packet(data.contains("trusted@") ? Packets.ACCEPT : Packets.CONTINUE));
            default -> List.of(packet(Packets.CONTINUE));
        });
        session.negotiate();
        byte[] content = (MESSAGE + "body\r\n").getBytes(StandardCharsets.US_ASCII);
        session.connect(facts(PolicyStage.CONNECT, content));
        PolicyFacts trusted = facts(PolicyStage.MAIL, content);
        trusted.sender = "trusted@a.test";
        assertEquals(PolicyVerdict.Action.CONTINUE, session.mail(trusted).action());
        session.rcpt(facts(PolicyStage.RCPT, content));
        assertEquals(PolicyVerdict.Action.CONTINUE, session.endOfMessage(facts(PolicyStage.END_OF_MESSAGE, content)).action());
        session.mail(facts(PolicyStage.MAIL, content));
        session.quit(false);
        awaitReceived(9);
        List<String> commands = received.stream().map(command -> command.substring(0, 1)).toList();
        assertEquals(List.of("O", "D", "C", "D", "M", "A", "D", "M", "Q"), commands);
        assertFalse("no RCPT or message for the accepted one", commands.contains("R") || commands.contains("E"));
        assertTrue(received.get(7).startsWith("M<alice@a.test>"));
    }
}
