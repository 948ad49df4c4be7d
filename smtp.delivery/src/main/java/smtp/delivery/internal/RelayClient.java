package smtp.delivery.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import smtp.delivery.api.Envelope;
import smtp.delivery.spi.MessageContent;
import smtp.tlslayer.BufferPool;
import smtp.tlslayer.TlsLayer;

/**
 * The SMTP client side of the relay: one connection to one server, carrying
 * messages to the recipients of one destination, one transaction after
 * another. It uses PIPELINING for the envelope, SIZE, 8BITMIME and STARTTLS
 * when the server offers them, and AUTH PLAIN when given credentials; it
 * passes on SMTPUTF8, REQUIRETLS and (to a server that offers DSN) the DSN
 * parameters, and sends a BODY=BINARYMIME message with BDAT. Its TLS runs on
 * {@link TlsLayer}, as the listener's does, here as the client.
 */
final class RelayClient implements Closeable {

    /** A reply: its code and text. */
    record Reply(int code, String text) {
        boolean positive() {
            return code >= 200 && code < 400;
        }

        boolean permanent() {
            return code >= 500;
        }

        @Override
        public String toString() {
            return code + " " + text;
        }
    }

    private final Socket socket;
    /** Once STARTTLS succeeded: what {@link #in} and {@link #out} go through. */
    private TlsLayer tls;
    private InputStream in;
    private OutputStream out;
    private final Set<String> extensions = new TreeSet<>();
    private final String host;
    private final long openedAt = System.nanoTime();
    private boolean messageSent;
    private boolean idle = true;
    private boolean ready;
    private boolean verifiedTls;
    /** For the messages this connection carries, one after another. */
    private final byte[] buffer = new byte[16 * 1024];

    RelayClient(InetSocketAddress address, String host, int timeoutMillis) throws IOException {
        this.host = host;
        socket = new Socket();
        try {
            socket.connect(address, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true); // commands go out in whole batches: waiting for more only delays them
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Reads the greeting and says EHLO (HELO if EHLO is refused). */
    Reply hello(String heloName) throws IOException {
        Reply greeting = read();
        if (!greeting.positive()) {
            return greeting;
        }
        return ehlo(heloName);
    }

    private Reply ehlo(String heloName) throws IOException {
        Reply reply = command("EHLO " + heloName);
        extensions.clear();
        if (reply.positive()) {
            String[] lines = reply.text().split("\n");
            for (int i = 1; i < lines.length; i++) {
                extensions.add(lines[i].trim().toUpperCase(Locale.ROOT));
            }
            return reply;
        }
        return command("HELO " + heloName);
    }

    boolean offers(String extension) {
        for (String offered : extensions) {
            if (offered.equals(extension) || offered.startsWith(extension + " ")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts TLS and says EHLO again.
     *
     * @param verify  whether the server's certificate must be valid for {@code host}
     * @param buffers the relay's TLS buffers, of {@link TlsLayer#BUFFER} bytes, held only while bytes are in them
     */
    Reply startTls(SSLContext context, boolean verify, String heloName, BufferPool buffers) throws IOException {
        Reply reply = command("STARTTLS");
        if (reply.code() != 220) {
            return reply;
        }
        SSLEngine engine = context.createSSLEngine(host, socket.getPort()); // the host name goes out as SNI
        engine.setUseClientMode(true);
        if (verify) {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the host name must match the certificate
            engine.setSSLParameters(parameters);
        }
        InputStream plain = socket.getInputStream(); // read under the socket's timeout
        TlsLayer layer = new TlsLayer(engine, plain::read, socket.getOutputStream(), buffers);
        try {
            layer.handshake();
        } catch (IOException | RuntimeException e) {
            layer.release();
            throw e;
        }
        tls = layer;
        in = new BufferedInputStream(layer.input());
        out = new BufferedOutputStream(layer.output(), 16 * 1024); // a message goes out in whole records
        return ehlo(heloName);
    }

    Reply authPlain(String user, String password) throws IOException {
        byte[] token = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return command("AUTH PLAIN " + Base64.getEncoder().encodeToString(token));
    }

    /**
     * Sends the envelope (pipelined when offered) and the message.
     *
     * @return the reply for each recipient: its RCPT reply if that refused it, else the end-of-data reply;
     *         or, when MAIL or DATA failed, that reply for every recipient
     * @throws IOException if the connection failed; {@link #messageSent()} tells whether that was after the whole
     *         message had gone out (the server may have taken it)
     */
    Map<String, Reply> send(Envelope original, List<String> recipients, MessageContent message) throws IOException {
        idle = false;
        messageSent = false;
        boolean binary = Envelope.BODY_BINARYMIME.equals(original.body);
        boolean dsn = offers("DSN");
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(original.reversePath).append('>');
        if (offers("SIZE")) {
            mail.append(" SIZE=").append(message.size());
        }
        if (binary) {
            mail.append(" BODY=BINARYMIME");
        } else if (offers("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (original.smtputf8 && offers("SMTPUTF8")) {
            mail.append(" SMTPUTF8");
        }
        if (original.requireTls) {
            mail.append(" REQUIRETLS");
        }
        if (dsn && original.dsnReturn != null) {
            mail.append(" RET=").append(original.dsnReturn);
        }
        if (dsn && original.dsnEnvelopeId != null) {
            mail.append(" ENVID=").append(original.dsnEnvelopeId);
        }
        List<String> envelope = new ArrayList<>();
        envelope.add(mail.toString());
        for (String recipient : recipients) {
            StringBuilder rcpt = new StringBuilder("RCPT TO:<").append(recipient).append('>');
            String notify = original.dsnNotify.get(recipient);
            String orcpt = original.dsnOriginalRecipient.get(recipient);
            if (dsn && notify != null) {
                rcpt.append(" NOTIFY=").append(notify);
            }
            if (dsn && orcpt != null) {
                rcpt.append(" ORCPT=").append(orcpt);
            }
            envelope.add(rcpt.toString());
        }
        List<Reply> replies = new ArrayList<>();
        Reply data = null;
        if (offers("PIPELINING")) { // the envelope and DATA in one group (RFC 2920): one round trip
            for (String line : envelope) {
                write(line);
            }
            if (!binary) {
                write("DATA");
            }
            out.flush();
            for (int i = 0; i < envelope.size(); i++) {
                replies.add(read());
            }
            data = binary ? null : read();
        } else {
            for (String line : envelope) {
                Reply reply = command(line);
                replies.add(reply);
                if (replies.size() == 1 && !reply.positive()) {
                    break;
                }
            }
        }
        Map<String, Reply> results = new LinkedHashMap<>();
        List<String> accepted = new ArrayList<>();
        if (!replies.get(0).positive()) {
            recipients.forEach(recipient -> results.put(recipient, replies.get(0)));
        } else {
            for (int i = 0; i < recipients.size(); i++) {
                Reply reply = replies.get(i + 1);
                if (reply.positive()) {
                    accepted.add(recipients.get(i));
                } else {
                    results.put(recipients.get(i), reply);
                }
            }
        }
        if (accepted.isEmpty()) {
            if (data != null && data.code() == 354) { // a server that takes DATA without a recipient: nothing to send
                command(".");
            }
            idle = command("RSET").positive();
            return results;
        }
        if (binary) { // one chunk (RFC 3030): the bytes as they are, counted rather than dot-stuffed
            write("BDAT " + message.size() + " LAST");
            try (InputStream content = message.open()) {
                content.transferTo(out);
            }
            out.flush();
            messageSent = true;
            Reply end = read();
            accepted.forEach(recipient -> results.put(recipient, end));
            idle = true;
            return results;
        }
        if (data == null) {
            data = command("DATA");
        }
        if (data.code() != 354) {
            Reply refused = data;
            accepted.forEach(recipient -> results.put(recipient, refused));
            idle = command("RSET").positive();
            return results;
        }
        try (InputStream content = message.open()) {
            writeDotStuffed(content);
        }
        messageSent = true;
        Reply end = read();
        accepted.forEach(recipient -> results.put(recipient, end));
        idle = true;
        return results;
    }

    /**
     * Marks the connection greeted, secured and authenticated as configured: ready for messages.
     *
     * @param verifiedTls whether the connection is TLS with a certificate checked for the host
     */
    void markReady(boolean verifiedTls) {
        ready = true;
        this.verifiedTls = verifiedTls;
    }

    /** @return whether the connection is TLS with a certificate that was checked for the host name */
    boolean verifiedTls() {
        return verifiedTls;
    }

    /**
     * @return why this server cannot carry the message without changing what the sender asked for (each a
     *         permanent failure with its RFC's status code), or null when it can
     */
    String cannotCarry(Envelope envelope) {
        if (envelope.smtputf8 && !offers("SMTPUTF8")) {
            return "5.6.7 " + host + " does not support SMTPUTF8, which the message needs (RFC 6531)";
        }
        if (Envelope.BODY_BINARYMIME.equals(envelope.body) && !(offers("BINARYMIME") && offers("CHUNKING"))) {
            return "5.6.3 " + host + " does not take BODY=BINARYMIME (RFC 3030)";
        }
        if (envelope.requireTls && !(verifiedTls && offers("REQUIRETLS"))) {
            return "5.7.10 " + host + " does not offer REQUIRETLS over TLS with a valid certificate, which the sender "
                    + "required (RFC 8689)";
        }
        return null;
    }

    /** @return whether {@link #markReady} was called */
    boolean ready() {
        return ready;
    }

    /** @return whether the last {@link #send} got as far as the end of the message */
    boolean messageSent() {
        return messageSent;
    }

    /**
     * @param maxAgeNanos how long a connection may serve
     * @return whether another transaction may follow on this connection: the last one ended cleanly, and the
     *         connection is younger than the limit
     */
    boolean reusable(long maxAgeNanos) {
        return idle && !socket.isClosed() && System.nanoTime() - openedAt < maxAgeNanos;
    }

    /** The message, dot-stuffed, then the lone dot. */
    private void writeDotStuffed(InputStream content) throws IOException {
        boolean lineStart = true;
        for (int n; (n = content.read(buffer)) >= 0; ) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                if (lineStart && buffer[i] == '.') {
                    out.write(buffer, from, i - from);
                    out.write('.'); // the dot is doubled: the original follows from i
                    from = i;
                }
                lineStart = buffer[i] == '\n';
            }
            out.write(buffer, from, n - from);
        }
        if (!lineStart) {
            out.write(CRLF);
        }
        out.write(END_OF_DATA);
        out.flush();
    }

    void quit() {
        try {
            socket.setSoTimeout(Math.min(socket.getSoTimeout(), 5000)); // a courtesy: not worth a long wait
            command("QUIT");
        } catch (IOException e) {
            // the message is delivered or not already; QUIT is a courtesy
        }
    }

    Reply command(String line) throws IOException {
        write(line);
        out.flush();
        return read();
    }

    private void write(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0))) {
                throw new IOException("not an SMTP reply: " + line);
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) != '-') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), String.join("\n", lines));
            }
            if (lines.size() > 100) {
                throw new IOException("reply of more than 100 lines");
            }
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] END_OF_DATA = {'.', '\r', '\n'};

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.UTF_8);
            }
            if (line.size() >= 4096) {
                throw new IOException("reply line longer than 4096 bytes");
            }
            line.write(b);
        }
        throw new IOException("connection closed by the server");
    }

    /** Ends TLS with its close_notify if it runs, and closes the connection: when no other thread uses it. */
    @Override
    public void close() throws IOException {
        try {
            if (tls != null) {
                tls.closeOutbound();
                tls.release();
            }
        } finally {
            socket.close();
        }
    }
}
