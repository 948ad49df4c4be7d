package smtp.itest;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The openssl command line: certificates made as an administrator would, and an independent TLS client. */
final class Openssl {

    /** What a run printed, and how it ended. */
    record Result(int exit, String output) {
        /** @return true if a TLS session was established */
        boolean connected() {
            return exit == 0 && output.matches("(?s).*Cipher is (?!\\(NONE\\)).*");
        }
    }

    private Openssl() {}

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("openssl did not finish within 30 s: " + command);
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Writes a self-signed certificate and its key as PEM: EC P-256, or RSA with the key in traditional PKCS#1 form. */
    static void certificate(String commonName, boolean rsa, Path certificate, Path key) throws Exception {
        Path pkcs8 = key.resolveSibling(key.getFileName() + ".pkcs8");
        Result made = run("req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=" + commonName,
                "-newkey", rsa ? "rsa:2048" : "ec", rsa ? "-keyform" : "-pkeyopt", rsa ? "PEM" : "ec_paramgen_curve:prime256v1",
                "-keyout", rsa ? pkcs8.toString() : key.toString(), "-out", certificate.toString());
        check(made);
        if (rsa) {
            check(run("rsa", "-in", pkcs8.toString(), "-traditional", "-out", key.toString()));
        }
    }

    /** Bundles a PEM certificate and key into a PKCS#12 keystore. */
    static void pkcs12(Path certificate, Path key, String password, Path keyStore) throws Exception {
        check(run("pkcs12", "-export", "-in", certificate.toString(), "-inkey", key.toString(), "-out", keyStore.toString(),
                "-passout", "pass:" + password));
    }

    /** Connects with s_client: plain TLS, or STARTTLS when {@code starttls}. */
    static Result connect(int port, boolean starttls, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + port));
        if (starttls) {
            args.addAll(List.of("-starttls", "smtp"));
        }
        args.addAll(List.of(options));
        return run(args.toArray(new String[0]));
    }

    private static void check(Result result) throws IOException {
        if (result.exit() != 0) {
            throw new IOException("openssl failed: " + result.output());
        }
    }
}
