package smtp.scan.attachments.internal;

import static org.junit.Assert.assertEquals;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;

import org.junit.Test;

import smtp.server.spi.ScanResultDTO;

public class AttachmentScannerTest {

    private final AttachmentScanner scanner = new AttachmentScanner((AttachmentsConfiguration) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {AttachmentsConfiguration.class}, (p, m, a) -> m.getDefaultValue()));

    private ScanResultDTO scan(String headers) throws Exception {
        String message = "Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" + headers + "\r\n\r\ndata\r\n--B--\r\n";
        return scanner.scan(null, null, new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    public void refusesExecutableNamesInEveryMimeForm() throws Exception {
        assertEquals("forbidden attachment type .exe (setup.exe)",
                scan("Content-Disposition: attachment; filename=\"setup.exe\"").threat);
        assertEquals(ScanResultDTO.INFECTED, scan("Content-Type: application/octet-stream; name=run.BAT").verdict);
        assertEquals(ScanResultDTO.INFECTED, scan("Content-Disposition: attachment; filename*=UTF-8''payload.js").verdict);
        assertEquals(ScanResultDTO.INFECTED, scan("Content-Disposition: attachment;\r\n filename=\"invoice.pdf.scr\"").verdict);
    }

    @Test
    public void letsOtherAttachmentsThrough() throws Exception {
        assertEquals(ScanResultDTO.CLEAN, scan("Content-Disposition: attachment; filename=\"report.pdf\"").verdict);
        assertEquals(ScanResultDTO.CLEAN, scan("Content-Type: text/plain; charset=utf-8").verdict);
    }
}
