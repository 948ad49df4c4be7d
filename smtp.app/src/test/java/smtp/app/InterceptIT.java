package smtp.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The intercepting gateway, in network namespaces this test makes (iproute2 and
 * nftables): a client namespace whose route to the "remote" servers
 * 203.0.113.25 to .28 goes through the gateway namespace, where the exported
 * app runs, to a remote namespace where Postfix's smtp-sink takes mail on port
 * 25 of each address. The gateway's nftables catch the client's port-25
 * connections: REDIRECT for .25 and DNAT for .28 (to one binding, which asks
 * connection tracking for the original destination), TPROXY for .26 (a
 * transparent binding), and DNAT for .27 to a binding whose mail goes by
 * delivery's route (its smarthost is .25). A clean message reaches the remote
 * server it was meant for (or the smarthost), with the suite's Received header
 * naming the original destination; EICAR is refused (clamd in the gateway
 * namespace); AUTH is not taken; a connection made to the binding itself is
 * refused; the events and the console name the original destination.
 * <p>
 * It needs root (to make namespaces); where they cannot be made, it is skipped,
 * saying why. Everything it starts is ended by its process id, and the
 * namespaces are deleted.
 */
public class InterceptIT {

    @ClassRule
    public static TemporaryFolder folder = new TemporaryFolder();

    private static final String CLIENT = "198.51.100.10";
    private static final String GATEWAY = "198.51.100.1";
    private static final int REDIRECTED = 10025;
    private static final int TRANSPARENT = 10026;
    private static final int ROUTED = 10027;
    private static final String[] REMOTES = {"203.0.113.25", "203.0.113.26", "203.0.113.27", "203.0.113.28"};
    private static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private static final String SUFFIX = Long.toString(ProcessHandle.current().pid());
    private static final String C = "smtpc" + SUFFIX;
    private static final String G = "smtpg" + SUFFIX;
    private static final String R = "smtpr" + SUFFIX;
    private static final List<String> namespaces = new ArrayList<>();
    private static final List<Process> started = new ArrayList<>();

    private static Path home;
    private static Path received;
    private static Path script;
    private static int http;
    private static Process app;

    @BeforeClass
    public static void build() throws Exception {
        assumeTrue("network namespaces need root (CAP_SYS_ADMIN, CAP_NET_ADMIN): not root here, skipped",
                "root".equals(System.getProperty("user.name")));
        assumeTrue("nftables (nft) is needed: apt-get install nftables", Files.isExecutable(Paths.get("/usr/sbin/nft")));
        String made = tryRun("ip", "netns", "add", C);
        assumeTrue("network namespaces cannot be made here: " + made, made == null);
        namespaces.add(C);
        for (String namespace : new String[] {G, R}) {
            run("ip", "netns", "add", namespace);
            namespaces.add(namespace);
        }
        // client <-> gateway <-> remote
        run("ip", "-n", G, "link", "add", "g0", "type", "veth", "peer", "name", "c0", "netns", C);
        run("ip", "-n", G, "link", "add", "g1", "type", "veth", "peer", "name", "r0", "netns", R);
        run("ip", "-n", C, "addr", "add", CLIENT + "/24", "dev", "c0");
        run("ip", "-n", G, "addr", "add", GATEWAY + "/24", "dev", "g0");
        run("ip", "-n", G, "addr", "add", "203.0.113.1/24", "dev", "g1");
        for (String address : REMOTES) {
            run("ip", "-n", R, "addr", "add", address + "/24", "dev", "r0");
        }
        for (String[] link : new String[][] {{C, "c0"}, {C, "lo"}, {G, "g0"}, {G, "g1"}, {G, "lo"}, {R, "r0"}, {R, "lo"}}) {
            run("ip", "-n", link[0], "link", "set", link[1], "up");
        }
        run("ip", "-n", C, "route", "add", "default", "via", GATEWAY);
        run("ip", "-n", R, "route", "add", "default", "via", "203.0.113.1");
        run("ip", "netns", "exec", G, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        // the gateway's firewall: REDIRECT, DNAT and TPROXY of the client network's port-25 connections
        Path rules = folder.getRoot().toPath().resolve("intercept.nft");
        Files.writeString(rules, String.join("\n",
                "table ip intercept {",
                "  chain nat {",
                "    type nat hook prerouting priority dstnat; policy accept;",
                "    iifname \"g0\" ip daddr 203.0.113.25 tcp dport 25 redirect to :" + REDIRECTED,
                "    iifname \"g0\" ip daddr 203.0.113.28 tcp dport 25 dnat to " + GATEWAY + ":" + REDIRECTED,
                "    iifname \"g0\" ip daddr 203.0.113.27 tcp dport 25 dnat to " + GATEWAY + ":" + ROUTED,
                "  }",
                "  chain transparent {",
                "    type filter hook prerouting priority mangle; policy accept;",
                "    iifname \"g0\" ip daddr 203.0.113.26 tcp dport 25 tproxy to " + GATEWAY + ":" + TRANSPARENT
                        + " meta mark set 1 accept",
                "  }",
                "}", ""));
        run("ip", "netns", "exec", G, "nft", "-f", rules.toString());
        run("ip", "-n", G, "rule", "add", "fwmark", "1", "lookup", "100");
        run("ip", "-n", G, "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100");

        // the remote servers: Postfix's smtp-sink on each address, each message into a file of that address' folder
        received = Files.createDirectories(folder.getRoot().toPath().resolve("remote"));
        for (String remote : REMOTES) {
            Path dumps = Files.createDirectories(received.resolve(remote));
            start(received.resolve(remote + ".out"), "ip", "netns", "exec", R, "smtp-sink", "-u", "root", "-d",
                    dumps + "/%M.", remote + ":25", "16");
        }

        // clamd in the gateway namespace, with the EICAR signature (no Internet for freshclam)
        Path clamd = Files.createDirectories(folder.getRoot().toPath().resolve("clamd"));
        Path database = Files.createDirectories(clamd.resolve("db"));
        Files.writeString(database.resolve("test.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n");
        Path socket = clamd.resolve("clamd.sock");
        Files.writeString(clamd.resolve("clamd.conf"), "Foreground yes\nDatabaseDirectory " + database + "\nLocalSocket "
                + socket + "\nLogFile " + clamd.resolve("clamd.log") + "\n");
        start(clamd.resolve("clamd.out"), "ip", "netns", "exec", G, "clamd", "--config-file=" + clamd.resolve("clamd.conf"));
        await("clamd's socket", () -> Files.exists(socket));

        // the app in the gateway namespace: one binding for REDIRECT and DNAT, one transparent for TPROXY
        home = folder.newFolder("app").toPath();
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("smtp.server.binding-redirected.config"), "name=\"intercepted\"\naddress=\""
                + GATEWAY + "\"\nport=I\"" + REDIRECTED + "\"\nintercept=\"redirect\"\n");
        Files.writeString(conf.resolve("smtp.server.binding-transparent.config"), "name=\"transparent\"\naddress=\""
                + GATEWAY + "\"\nport=I\"" + TRANSPARENT + "\"\nintercept=\"tproxy\"\n");
        Files.writeString(conf.resolve("smtp.server.binding-routed.config"), "name=\"routed\"\naddress=\""
                + GATEWAY + "\"\nport=I\"" + ROUTED + "\"\nintercept=\"redirect\"\ninterceptedMailTo=\"route\"\n");
        Files.writeString(conf.resolve("smtp.delivery.config"), "localDomains=[\"gateway.test\"]\n"
                + "mailboxes=[\"postmaster@gateway.test\"]\nhostName=\"gateway.test\"\nsmarthost=\"203.0.113.25:25\"\n");
        Files.writeString(conf.resolve("smtp.server.config"), "hostName=\"gateway.test\"\n");
        Files.writeString(conf.resolve("smtp.scan.clamav.config"), "address=\"unix:" + socket + "\"\n");
        http = ExportedApp.freePort();
        app = start(home.resolve("app.log"), "ip", "netns", "exec", G, Paths.get(System.getProperty("java.home"), "bin",
                "java").toString(), "@" + Paths.get("jvm.options").toAbsolutePath(), "-Dorg.osgi.service.http.port=" + http,
                "-jar", Paths.get(System.getProperty("app.target"), "smtp.jar").toString());
        // the scanner is in use, and both bindings listen
        await("the app's intercepting bindings", () -> log().contains("SMTP server listening on " + GATEWAY + ":" + REDIRECTED)
                && log().contains("SMTP server listening on " + GATEWAY + ":" + TRANSPARENT)
                && log().contains("SMTP server listening on " + GATEWAY + ":" + ROUTED));

        script = folder.getRoot().toPath().resolve("client.py");
        Files.writeString(script, String.join("\n",
                "import smtplib, sys",
                "host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]",
                "try:",
                "    s = smtplib.SMTP(host, port, 'client.test', timeout=30)",
                "except smtplib.SMTPConnectError as e:",
                "    print('CONNECT', e.smtp_code, e.smtp_error.decode())",
                "    sys.exit(0)",
                "code, text = s.ehlo('client.test')",
                "print('EHLO', code, ' '.join(text.decode().upper().split()))",
                "if mode == 'auth':",
                "    code, text = s.docmd('AUTH', 'PLAIN AGFsaWNlAHNlY3JldA==')",
                "    print('AUTH', code, text.decode())",
                "else:",
                "    try:",
                "        s.sendmail('alice@client.test', ['bob@remote.example'], open(mode, 'rb').read())",
                "        print('SENT')",
                "    except smtplib.SMTPDataError as e:",
                "        print('REFUSED', e.smtp_code, e.smtp_error.decode())",
                "s.quit()", ""));
    }

    @AfterClass
    public static void tearDown() throws Exception {
        for (Process process : started) {
            process.destroy(); // the processes this test started, by their handles
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (String namespace : namespaces) {
            tryRun("ip", "netns", "del", namespace);
        }
    }

    @Test
    public void aCleanMessageGoesOnToTheServerTheClientMeantWithTheGatewaysReceivedHeader() throws Exception {
        // {address the client connects to, how it is caught, where the message must arrive}
        for (String[] path : new String[][] {{"203.0.113.25", "REDIRECT", "203.0.113.25"}, {"203.0.113.28", "DNAT", "203.0.113.28"},
            {"203.0.113.26", "TPROXY", "203.0.113.26"}, {"203.0.113.27", "DNAT, by delivery's route", "203.0.113.25"}}) {
            String subject = "clean through " + path[1];
            Path message = folder.getRoot().toPath().resolve(path[1].replace(' ', '-') + ".eml");
            Files.writeString(message, "From: <alice@client.test>\r\nTo: <bob@remote.example>\r\nSubject: " + subject
                    + "\r\n\r\nno virus here\r\n");
            List<String> said = client(path[0], 25, message.toString());
            assertEquals(said.toString(), "SENT", last(said));
            Path arrived = awaitMessage(path[2], subject);
            String content = Files.readString(arrived);
            assertTrue(content, content.contains("X-Client-Addr: 203.0.113.1")); // the gateway sent it on
            assertTrue(content, content.contains("X-Rcpt-Args: <bob@remote.example>"));
            assertTrue(content, content.contains("by gateway.test (SMTP Suite ") && content.contains(
                    "; intercepted on its way to " + path[0] + ":25)"));
            assertTrue(content, content.contains("Received: from client.test ([" + CLIENT + "])"));
            assertTrue(content, content.replace("\r\n", "\n").contains("Subject: " + subject + "\n\nno virus here\n"));
        }
        try (Stream<Path> meantFor27 = Files.list(received.resolve("203.0.113.27"))) {
            assertEquals("by delivery's route, not to the original destination", 0, meantFor27.count());
        }
    }

    @Test
    public void eicarIsRefusedAndNeverLeaves() throws Exception {
        Path message = folder.getRoot().toPath().resolve("eicar.eml");
        // the EICAR test file as an attachment, as a virus would come
        Files.writeString(message, "From: <alice@client.test>\r\nTo: <bob@remote.example>\r\nSubject: eicar\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Disposition: attachment; filename=\"eicar.com\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getEncoder().encodeToString(EICAR.getBytes(StandardCharsets.US_ASCII)) + "\r\n--b--\r\n");
        List<String> said = client("203.0.113.25", 25, message.toString());
        String last = said.get(said.size() - 1);
        assertTrue(said.toString(), last.startsWith("REFUSED 554") && last.contains("Eicar-Test-Signature"));
        Thread.sleep(1000);
        try (Stream<Path> files = Files.walk(received)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertFalse(file.toString(), Files.readString(file).contains("Subject: eicar"));
            }
        }
    }

    @Test
    public void authIsNotTakenOnAnInterceptedConnection() throws Exception {
        List<String> said = client("203.0.113.25", 25, "auth");
        assertTrue(said.toString(), said.get(0).startsWith("EHLO 250 ") && !said.get(0).contains("AUTH"));
        assertEquals("AUTH 502 5.7.0 Authentication is not available: this connection to 203.0.113.25:25 was "
                + "intercepted by a mail gateway", said.get(1));
    }

    @Test
    public void aConnectionMadeToTheInterceptingPortItselfIsRefused() throws Exception {
        List<String> said = client(GATEWAY, REDIRECTED, "none");
        assertEquals(said.toString(), "CONNECT 554 5.7.0 gateway.test takes only connections intercepted on their way to "
                + "another server", said.get(0));
        String metrics = run("ip", "netns", "exec", G, "curl", "-s", "-S", "http://127.0.0.1:" + http + "/metrics");
        assertTrue(metrics, metrics.contains("smtp_connections_refused_total{reason=\"not-intercepted\"} 1.0"));
    }

    @Test
    public void theEventsAndTheConsoleNameTheOriginalDestination() throws Exception {
        Path message = folder.getRoot().toPath().resolve("events.eml");
        Files.writeString(message, "Subject: for the events\r\n\r\nhello\r\n");
        assertEquals("SENT", last(client("203.0.113.26", 25, message.toString())));
        awaitMessage("203.0.113.26", "for the events");
        String[] last = {""};
        String page = await("the SMTP page with the event (last answer below)", () -> {
            last[0] = smtpPage();
            return last[0].contains("MessageReceived") ? last[0] : null;
        }, last);
        assertTrue(page, page.contains("original.destination=203.0.113.26:25"));
        assertTrue(page, page.contains("binding=transparent"));

        // a session open now: the console's sessions table says where it was going
        Process waiting = start(folder.getRoot().toPath().resolve("waiting.out"), "ip", "netns", "exec", C, "python3", "-c",
                "import socket, time\ns = socket.create_connection(('203.0.113.25', 25), timeout=30)\n"
                        + "print(s.recv(200).decode(), flush=True)\ntime.sleep(30)\n");
        try {
            String sessions = await("the session in the console (last answer below)", () -> {
                last[0] = smtpPage();
                return last[0].contains("data-original-destination='203.0.113.25:25'") ? last[0] : null;
            }, last);
            assertTrue(sessions, sessions.contains("<td>" + CLIENT + ":"));
        } finally {
            waiting.destroy();
            waiting.waitFor(10, TimeUnit.SECONDS);
        }
    }

    // ---- helpers

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    /** Runs the Python client in the client namespace; returns what it printed, line by line. */
    private static List<String> client(String host, int port, String mode) throws Exception {
        String output = run("ip", "netns", "exec", C, "python3", script.toString(), host, Integer.toString(port), mode);
        return List.of(output.strip().split("\n"));
    }

    private static Path awaitMessage(String server, String subject) throws Exception {
        return await("a message '" + subject + "' at the remote server " + server, () -> {
            try (Stream<Path> files = Files.list(received.resolve(server))) {
                for (Path file : files.toList()) {
                    if (Files.readString(file).contains("Subject: " + subject)) {
                        return file;
                    }
                }
            }
            return null;
        });
    }

    private static String log() throws IOException {
        return Files.exists(home.resolve("app.log")) ? Files.readString(home.resolve("app.log")) : "";
    }

    private interface Check<T> {
        T get() throws Exception;
    }

    /** The SMTP page of the app's web console, fetched in the gateway namespace. */
    private static String smtpPage() throws Exception {
        return run("ip", "netns", "exec", G, "curl", "-s", "-S", "-u", "admin:admin", "http://127.0.0.1:" + http
                + "/system/console/smtp");
    }

    private static <T> T await(String what, Check<T> check) throws Exception {
        return await(what, check, new String[] {""});
    }

    /** Waits (60 s at most) until the check gives a value: true, or anything but null. */
    private static <T> T await(String what, Check<T> check, String[] last) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            T value = check.get();
            if (value != null && !Boolean.FALSE.equals(value)) {
                return value;
            }
            if (app != null && !app.isAlive()) {
                throw new AssertionError("the app ended: " + log());
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not within 60 s. " + last[0] + "\nThe app's log: " + log());
    }

    private static Process start(Path output, String... command) throws IOException {
        Process process = new ProcessBuilder(command).directory(home == null ? folder.getRoot() : home.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        started.add(process);
        return process;
    }

    /** Runs a command to its end (60 s at most); returns its output, or fails with it. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + ": did not end within 60 s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + process.exitValue() + "): " + text);
        }
        return text;
    }

    /** @return null when the command succeeded, else what it said */
    private static String tryRun(String... command) {
        try {
            run(command);
            return null;
        } catch (Exception | AssertionError e) {
            return e.getMessage();
        }
    }
}
