package smtp.itest;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A plain SMTP client over a socket, written for the tests so that every byte
 * on the wire is under their control: commands, pipelining, dot-stuffing.
 */
final class SmtpClient implements Closeable {

    /** One reply: its code and its lines without the code. */
    static final class Reply {
        final int code;
        final List<String> lines;

        Reply(int code, List<String> lines) {
            this.code = code;
            this.lines = lines;
        }

        String text() {
            return String.join("\n", lines);
        }

        @Override
        public String toString() {
            return code + " " + text();
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    final Reply greeting;

    SmtpClient(String host, int port) throws IOException {
        this(host, port, false, null);
    }

    private SmtpClient(String host, int port, boolean implicitTls, String source) throws IOException {
        socket = new Socket();
        if (source != null) {
            socket.bind(new InetSocketAddress(source, 0));
        }
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(15000);
        if (implicitTls) {
            socket = handshake(socket);
        }
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        greeting = read();
    }

    /** Connects with TLS from the first byte (port 465 style). */
    static SmtpClient implicitTls(String host, int port) throws IOException {
        return new SmtpClient(host, port, true, null);
    }

    /** Connects from the given local address (another loopback address, such as 127.0.0.2). */
    static SmtpClient from(String source, String host, int port) throws IOException {
        return new SmtpClient(host, port, false, source);
    }

    /**
     * After a 220 to STARTTLS: layers TLS over the connection and reads from it from now on.
     *
     * @param protocols the TLS versions to offer ("TLSv1.2"); none: the JDK's default
     */
    void startTls(String... protocols) throws IOException {
        socket = handshake(socket, protocols);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A TLS client that accepts any certificate: the tests look at the certificate themselves. */
    private static SSLSocket handshake(Socket plain, String... protocols) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain,
                    plain.getInetAddress().getHostAddress(), plain.getPort(), true);
            if (protocols.length > 0) {
                tls.setEnabledProtocols(protocols);
            }
            tls.startHandshake();
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Starts a new TLS handshake on the connection (TLS 1.2: a renegotiation; it goes on in the next reads). */
    void renegotiate() throws IOException {
        ((SSLSocket) socket).startHandshake();
    }

    /** The certificate the server presented. */
    X509Certificate peerCertificate() throws IOException {
        return (X509Certificate) ((SSLSocket) socket).getSession().getPeerCertificates()[0];
    }

    /** The common name of the certificate the server presented. */
    String peerName() throws IOException {
        String subject = peerCertificate().getSubjectX500Principal().getName();
        for (String part : subject.split(",")) {
            if (part.startsWith("CN=")) {
                return part.substring(3);
            }
        }
        return subject;
    }

    int localPort() {
        return socket.getLocalPort();
    }

    Reply command(String line) throws IOException {
        write(line + "\r\n");
        return read();
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one reply, all of its lines. */
    Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed by the server; read so far: " + lines);
            }
            if (line.length() < 3) {
                throw new IOException("not a reply line: " + line);
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
    }

    /** @return true if the server closed the connection (end of stream) */
    boolean closedByServer() throws IOException {
        return in.read() < 0;
    }

    /** Reads what the server sends until it closes the connection (within the socket timeout). */
    String readUntilClosed() throws IOException {
        return readUntilClosed(in);
    }

    /** Reads a stream until the server closes the connection (or resets it). */
    static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            in.transferTo(bytes);
        } catch (java.net.SocketException reset) {
            // a reset ends the connection too
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.UTF_8);
            }
            line.write(b);
            if (line.size() > 10000) {
                throw new IOException("reply line too long");
            }
        }
        return null;
    }

    /** Dot-stuffs a message (RFC 5321 4.5.2) and appends the terminating line. */
    static byte[] dataOf(byte[] message) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(message.length + 16);
        boolean lineStart = true;
        for (byte b : message) {
            if (lineStart && b == '.') {
                data.write('.');
            }
            data.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) {
            data.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        data.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
        return data.toByteArray();
    }

    /** Sends one message in one transaction and returns the reply to its end of data. */
    Reply send(String from, List<String> to, byte[] message) throws IOException {
        expect(command("MAIL FROM:<" + from + ">"), 250);
        for (String recipient : to) {
            expect(command("RCPT TO:<" + recipient + ">"), 250);
        }
        expect(command("DATA"), 354);
        write(dataOf(message));
        return read();
    }

    /**
     * Sends one message in one transaction, as far as the server lets it.
     *
     * @return the reply that refused MAIL or a RCPT, or else the reply to the end of data
     */
    Reply attempt(String from, List<String> to, byte[] message) throws IOException {
        Reply mail = command("MAIL FROM:<" + from + ">");
        if (mail.code != 250) {
            return mail;
        }
        for (String recipient : to) {
            Reply rcpt = command("RCPT TO:<" + recipient + ">");
            if (rcpt.code != 250) {
                return rcpt;
            }
        }
        expect(command("DATA"), 354);
        write(dataOf(message));
        return read();
    }

    static Reply expect(Reply reply, int code) throws IOException {
        if (reply.code != code) {
            throw new IOException("expected " + code + " but got " + reply);
        }
        return reply;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
