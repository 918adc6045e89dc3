package dev.calling.embedded;

import dev.calling.adapters.Resources;
import dev.calling.adapters.AwsClients;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Adobe's s3mock (an S3-compatible server) as a separate java process on free loopback ports,
 * with every bucket of {@link Resources#BUCKETS} created. A process, not in this JVM: s3mock is a
 * Spring Boot application whose libraries clash with a Quarkus test's. It starts in a few seconds;
 * its files live in a temporary directory that {@link #close()} deletes with the process.
 *
 * <p>The exec jar is the one the embedded-aws build copied into its {@code target/s3mock}
 * (falling back to the local Maven repository); {@code -Dcalling.s3mock.jar=...} overrides it.
 */
public final class EmbeddedS3 implements AutoCloseable {

    /**
     * How long a start may take. A JVM with Spring Boot takes seconds on an idle machine and minutes on a
     * loaded 2-core one (seen: over 100 s while the build ran other JVMs); a start fails only when the
     * process dies, or after this generous bound.
     */
    public static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final Process process;
    private final Thread killOnExit;
    private final Path root;
    private final Path log;
    private final URI endpoint;
    private final S3Client s3;

    private EmbeddedS3() throws IOException, InterruptedException {
        Path jar = s3mockJar();
        int httpPort = freePort();
        int httpsPort = freePort(); // s3mock always opens HTTPS too; never its fixed default (9191)
        root = Files.createTempDirectory("embedded-s3-");
        Path store = root.resolve("store");
        log = root.resolve("s3mock.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A short-lived test server: the C1 compiler alone (no C2 warm-up competing for the 2 cores a
                // build runs on) and the serial collector roughly halve its start; throughput does not matter here.
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", jar.toString(),
                "--http.port=" + httpPort,
                "--server.port=" + httpsPort,
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + store,
                "--spring.main.banner-mode=off"));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        killOnExit = new Thread(process::destroyForcibly, "embedded-s3-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        endpoint = URI.create("http://127.0.0.1:" + httpPort);
        try {
            awaitReady();
            s3 = new AwsClients(EmbeddedAws.REGION, Optional.empty(), Optional.empty(), Optional.of(endpoint)).s3();
            for (Resources.BucketDefinition bucket : Resources.BUCKETS) {
                s3.createBucket(r -> r.bucket(bucket.name()));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            stopProcess();
            throw e;
        }
    }

    /** Starts s3mock and creates every bucket; throws when it is not serving within {@link #START_TIMEOUT}. */
    public static EmbeddedS3 start() {
        try {
            return new EmbeddedS3();
        } catch (IOException e) {
            throw new UncheckedIOException("s3mock did not start", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while s3mock started", e);
        }
    }

    /**
     * {@link #start()} on a thread of its own, so that a caller starts its other emulators (or runs its demo) while
     * this JVM boots: its start is the slowest of the embedded servers. {@code join()} gives the server, or throws
     * what {@link #start()} threw; whoever holds the future closes the server.
     */
    public static CompletableFuture<EmbeddedS3> startInBackground() {
        return CompletableFuture.supplyAsync(EmbeddedS3::start, task -> {
            Thread thread = new Thread(task, "embedded-s3-start");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /** Closes the server of {@code started} once it is up (or lets its failed start go): for a finally block. */
    public static void closeWhenStarted(CompletableFuture<EmbeddedS3> started) {
        EmbeddedS3 server = started.handle((up, failure) -> up).join();
        if (server != null) {
            server.close();
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** A client for this server (path-style, dummy credentials); owned here, closed by {@link #close()}. */
    public S3Client s3() {
        return s3;
    }

    /** The setting a function reads to reach this server. */
    public Map<String, String> functionConfig() {
        return Map.of("calling.aws.s3-endpoint", endpoint.toString());
    }

    /** s3mock's own output, for a test that wants to say why something failed. */
    public Path logFile() {
        return log;
    }

    /** Stops the process and deletes its files. */
    @Override
    public void close() {
        s3.close();
        stopProcess();
    }

    private void stopProcess() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        deleteRecursively(root);
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("s3mock exited with " + process.exitValue() + ":\n" + tail(log));
            }
            if (serving()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("s3mock not serving on " + endpoint + " after " + START_TIMEOUT + ":\n" + tail(log));
    }

    /** ListBuckets answers 200 once the server (lazily initialised) is up. */
    private boolean serving() {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(5_000);
            try {
                return connection.getResponseCode() == 200;
            } finally {
                connection.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    static Path s3mockJar() throws IOException {
        String override = System.getProperty("calling.s3mock.jar");
        if (override != null) {
            return existing(Path.of(override));
        }
        Properties built = new Properties();
        try (InputStream in = EmbeddedS3.class.getResourceAsStream("embedded-s3.properties")) {
            if (in == null) {
                throw new IOException("embedded-s3.properties missing: build functions/embedded-aws with Maven");
            }
            built.load(in);
        }
        for (String candidate : List.of(built.getProperty("s3mock.jar"), built.getProperty("s3mock.repository-jar"))) {
            Path path = Path.of(candidate);
            if (Files.isRegularFile(path)) {
                return path;
            }
        }
        throw new IOException("s3mock " + built.getProperty("s3mock.version") + " exec jar not found at "
                + built.getProperty("s3mock.jar") + " nor " + built.getProperty("s3mock.repository-jar")
                + ": run ./mvnw -pl functions/embedded-aws -am install -DskipTests");
    }

    private static Path existing(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("no s3mock jar at " + path);
        }
        return path;
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans up what is left
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
