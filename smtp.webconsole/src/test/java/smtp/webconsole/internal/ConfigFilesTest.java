package smtp.webconsole.internal;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ConfigFilesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theKeyIsReplacedAndEverythingElseKept() throws Exception {
        Path file = folder.getRoot().toPath().resolve("smtp.server.binding-smtp.config");
        Files.write(file, List.of("# port 25", "usage=\"internal\"", "enabled = B\"true\"", "enabledFoo=B\"true\"", "port=I\"25\""));
        ConfigFiles.set(file, "enabled", false);
        assertEquals(List.of("# port 25", "usage=\"internal\"", "enabledFoo=B\"true\"", "port=I\"25\"", "enabled=B\"false\""),
                Files.readAllLines(file, StandardCharsets.ISO_8859_1));
        ConfigFiles.set(file, "enabled", true);
        assertEquals("enabled=B\"true\"", Files.readAllLines(file).get(4));
        assertEquals(List.of(file.getFileName()), Files.list(folder.getRoot().toPath()).map(Path::getFileName).toList());
    }

    @Test
    public void cfgFilesGetPlainValues() throws Exception {
        Path file = folder.getRoot().toPath().resolve("smtp.server.cfg");
        Files.write(file, List.of("hostName=mx.example.org"));
        ConfigFiles.set(file, "enabled", false);
        assertEquals(List.of("hostName=mx.example.org", "enabled=false"), Files.readAllLines(file));
    }
}
