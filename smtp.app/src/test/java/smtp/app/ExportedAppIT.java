package smtp.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The exported applications as a user runs them: {@code java -jar} in a folder
 * with a {@code conf/}, on Felix and on Equinox. Mail goes in over STARTTLS and
 * lands in the Maildir, and the web console says every bundle is active.
 */
public class ExportedAppIT {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theFelixApplicationReceivesMail() throws Exception {
        run("smtp.jar");
    }

    @Test
    public void theEquinoxApplicationReceivesMail() throws Exception {
        run("smtp-equinox.jar");
    }

    private void run(String jar) throws Exception {
        try (ExportedApp app = new ExportedApp(folder.newFolder(jar).toPath(), jar)) {
            ExportedApp.send(app.smtp, "exported");
            assertEquals(1, app.awaitMessages("bob", 1));
            String message;
            try (Stream<Path> files = Files.list(app.inbox("bob"))) {
                message = Files.readString(files.findFirst().orElseThrow());
            }
            assertTrue(message, message.contains("\tby ") && message.contains("with ESMTPS id"));
            assertTrue(message, message.endsWith("Subject: exported\r\n\r\nfrom the test\r\n"));
            String status = console(app.http);
            assertTrue(status, status.matches("(?s).*all \\d+ bundles active.*"));
        }
    }

    private static String console(int port) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port
                + "/system/console/bundles.json").openConnection();
        connection.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("admin:admin".getBytes(StandardCharsets.US_ASCII)));
        connection.setConnectTimeout(10000);
        connection.setReadTimeout(10000);
        assertEquals(200, connection.getResponseCode());
        try (var body = connection.getInputStream()) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

}
