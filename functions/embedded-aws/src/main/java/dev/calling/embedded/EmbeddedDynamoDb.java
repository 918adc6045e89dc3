package dev.calling.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The embedded DynamoDB: npm {@code dynalite} (Apache-2.0, https://github.com/architect/dynalite), pinned
 * with its lock file in {@code src/main/dynalite}, run with the machine's Node.js (20 or later) as a
 * separate process on a free loopback port — in memory, or in a LevelDB directory when a restart must
 * keep the data (the fault suite restarts DynamoDB). Stopped with its owner, and by a shutdown hook.
 *
 * <p>The build installs it ({@code npm ci} from the lock file, nothing else downloaded) into the
 * module's {@code target/dynalite}; a jar used after that directory was cleaned installs the same
 * lock file once into {@code ~/.cache/calling/dynalite-<lock digest>} ({@code -Dcalling.dynalite.home}
 * overrides where it is looked for).
 *
 * <p>Where dynalite differs from DynamoDB (no transactions, no TTL deletion, no
 * {@code ReturnValuesOnConditionCheckFailure}, zero table statistics, an empty-string GSI key
 * accepted, its own error wording), the code and the tests must not depend on the difference; the
 * LocalStack profile is the higher-fidelity cross-check (localstack/README.md).
 */
final class EmbeddedDynamoDb implements AutoCloseable {

    static final Duration START_TIMEOUT = Duration.ofMinutes(3); // generous: a loaded 2-core machine starts Node slowly
    private static final String CLI = "node_modules/dynalite/cli.js";

    private final Path directory;
    private final int port;
    private final Path log;
    private final Path home;
    private volatile Process process;
    private final Thread killOnExit;

    /** @param directory LevelDB directory (kept across restarts), or null to run in memory */
    EmbeddedDynamoDb(Path directory) throws IOException, InterruptedException {
        this.directory = directory;
        this.home = installation();
        this.port = freePort();
        this.log = Files.createTempFile("embedded-dynalite-", ".log");
        this.killOnExit = new Thread(() -> {
            Process running = process;
            if (running != null) {
                running.destroyForcibly();
            }
        }, "embedded-dynalite-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        launch();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    boolean onDisk() {
        return directory != null;
    }

    /** Stops the server, leaves it down for {@code down} (connections refused), starts it again with the same data. */
    synchronized void restart(Duration down) throws IOException, InterruptedException {
        stopProcess();
        Thread.sleep(down.toMillis());
        launch();
    }

    @Override
    public synchronized void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    private void launch() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", home.resolve(CLI).toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
        if (directory != null) {
            command.addAll(List.of("--path", directory.toString()));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dynalite exited with " + process.exitValue() + ":\n" + tail(log));
            }
            if (serving()) {
                return;
            }
            Thread.sleep(50);
        }
        stopProcess();
        throw new IOException("dynalite not serving on " + endpoint() + " after " + START_TIMEOUT + ":\n" + tail(log));
    }

    /** dynalite answers any HTTP request once it listens (a GET is refused with a 4xx: it is up). */
    private boolean serving() {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint().toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(5_000);
            try {
                return connection.getResponseCode() > 0;
            } finally {
                connection.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    private void stopProcess() {
        Process running = process;
        if (running == null) {
            return;
        }
        running.destroy();
        try {
            if (!running.waitFor(10, TimeUnit.SECONDS)) {
                running.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    // --- installation ----------------------------------------------------------------------------

    /** The directory holding {@code node_modules/dynalite}: the build's, else a per-user cache installed once. */
    static Path installation() throws IOException, InterruptedException {
        String override = System.getProperty("calling.dynalite.home");
        if (override != null) {
            return installed(Path.of(override));
        }
        Properties built = new Properties();
        try (InputStream in = EmbeddedDynamoDb.class.getResourceAsStream("embedded-dynalite.properties")) {
            if (in == null) {
                throw new IOException("embedded-dynalite.properties missing: build functions/embedded-aws with Maven");
            }
            built.load(in);
        }
        Path buildDirectory = Path.of(built.getProperty("dynalite.dir"));
        if (Files.isRegularFile(buildDirectory.resolve(CLI))) {
            return buildDirectory;
        }
        byte[] lock = resource("package-lock.json");
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "calling", "dynalite-" + digest(lock));
        Files.createDirectories(cache);
        try (FileChannel channel = FileChannel.open(cache.resolve(".install-lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = channel.lock()) {
            if (!Files.isRegularFile(cache.resolve(CLI))) {
                Files.write(cache.resolve("package.json"), resource("package.json"));
                Files.write(cache.resolve("package-lock.json"), lock);
                npmCi(cache);
            }
        }
        return installed(cache);
    }

    private static void npmCi(Path directory) throws IOException, InterruptedException {
        Path output = Files.createTempFile("embedded-dynalite-npm-", ".log");
        Process npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
                .directory(directory.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new IOException("npm ci of dynalite in " + directory + " failed (Node.js 20+ and npm are needed):\n"
                    + tail(output));
        }
        Files.deleteIfExists(output);
    }

    private static Path installed(Path home) throws IOException {
        if (!Files.isRegularFile(home.resolve(CLI))) {
            throw new IOException("no dynalite at " + home.resolve(CLI));
        }
        return home;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = EmbeddedDynamoDb.class.getResourceAsStream("dynalite/" + name)) {
            if (in == null) {
                throw new IOException("dynalite/" + name + " is not packaged with embedded-aws");
            }
            return in.readAllBytes();
        }
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
