package dev.calling.benchmarks.coldstart;

import dev.calling.lambda.harness.LambdaProcess;
import dev.calling.lambda.harness.RuntimeApiEmulator;

import com.sun.net.httpserver.HttpServer;
import dev.calling.adapters.Resources;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.core.session.ConnectionEvent.ConnectionOpened;
import dev.calling.core.session.SessionService;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.SecretsManagerStub;
import dev.calling.embedded.EmbeddedS3;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Cold start of each packaged function, run the way Lambda's managed Java runtime runs it: the
 * unzipped {@code function.zip} is the task root (the working directory), and AWS's Lambda Runtime
 * Interface Client ({@code AWSLambda}, the Java runtime loop AWS publishes) loads
 * {@code QuarkusStreamHandler::handleRequest} from it and polls the Runtime API, here
 * {@link RuntimeApiEmulator}. The function's settings point at dynalite and ElasticMQ
 * ({@link EmbeddedAws}) and s3mock ({@link EmbeddedS3}) in this process, so every event does its
 * real reads and writes.
 *
 * <p>Per function and mode it reports: <b>init</b>, process start to the runtime's first
 * {@code next} (JVM start, runtime, Quarkus start; for SnapStart also the before-checkpoint hooks);
 * <b>first event</b>, the first event handed out to its result posted; <b>warm event</b>, the same
 * for a second event of the same kind on fresh ids. Modes:
 * <ul>
 *   <li>{@code on-demand}: an ordinary cold start;</li>
 *   <li>{@code snap-start}: {@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start}, so the runtime runs the
 *       CRaC before-checkpoint hooks (the functions' priming), asks {@code restore/next}, runs the
 *       after-restore hooks, then polls. No snapshot is taken: the first event runs in the same JVM,
 *       so the figure is what priming moves out of the first event, not a SnapStart restore;</li>
 *   <li>{@code snap-start-unprimed}: the same with {@code CALLING_SNAPSTART_PRIMING=false}.</li>
 * </ul>
 *
 * <p>Usage: {@code ColdStartBenchmark [--runs N] [--modes m1,m2] [--only Name1,Name2] [--out file]}.
 * Runs are interleaved (run 1 of every function and mode, then run 2, ...) so a change in the
 * machine's load spreads over all of them.
 */
public final class ColdStartBenchmark {

    static final Duration TIMEOUT = Duration.ofMinutes(3);
    static final Pattern PRIMING_LOG = Pattern.compile("SnapStart priming: (.*) in (\\d+) ms");

    enum Mode {
        ON_DEMAND("on-demand", "on-demand", true),
        SNAP_START("snap-start", "snap-start", true),
        SNAP_START_UNPRIMED("snap-start-unprimed", "snap-start", false);

        final String label;
        final String initializationType;
        final boolean priming;

        Mode(String label, String initializationType, boolean priming) {
            this.label = label;
            this.initializationType = initializationType;
            this.priming = priming;
        }

        static Mode of(String label) {
            return Arrays.stream(values()).filter(m -> m.label.equals(label)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("mode " + label + ": on-demand, snap-start, snap-start-unprimed"));
        }
    }

    /** One cold start: times in ms, the load average when it began. */
    record Sample(double initMs, double restoreMs, double firstMs, double warmMs, String firstResult, String warmResult,
            Optional<String> priming, double load) {}

    public static void main(String[] args) throws Exception {
        int runs = 5;
        List<Mode> modes = List.of(Mode.ON_DEMAND, Mode.SNAP_START, Mode.SNAP_START_UNPRIMED);
        List<String> only = List.of();
        Path root = Path.of("").toAbsolutePath();
        Path out = root.resolve("benchmarks/target/cold-start/results.md");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--modes" -> modes = Arrays.stream(args[++i].split(",")).map(Mode::of).toList();
                case "--only" -> only = List.of(args[++i].split(","));
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path work = root.resolve("benchmarks/target/cold-start");
        Path runtimeJars = root.resolve("benchmarks/target/lambda-runtime");
        if (!Files.isDirectory(runtimeJars)) {
            throw new IllegalStateException(runtimeJars + " missing: build the benchmarks module (benchmarks/cold-start does)");
        }

        DevTokenIssuer issuer = DevTokenIssuer.generate();
        HttpServer jwks = serveJwks(issuer);
        String jwksUrl = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json";
        List<String> selected = only;
        List<FunctionUnderTest> functions = Functions.all(issuer, jwksUrl).stream()
                .filter(f -> selected.isEmpty() || selected.contains(f.name())).toList();

        StringBuilder report = new StringBuilder();
        report.append(String.format("Cold start, %s; %s %s; %d cores; %d runs per function and mode%n%n",
                LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), runs));
        report.append(zipSizes(root, functions)).append('\n');
        System.out.print(report);

        // Each zip is unzipped once, into a task root of its own, before the first run: later builds
        // of the module (another build on this machine) cannot change it mid-benchmark.
        Map<String, Path> taskRoots = new LinkedHashMap<>();
        for (FunctionUnderTest f : functions) {
            if (!taskRoots.containsKey(f.module())) {
                taskRoots.put(f.module(), LambdaProcess.unzip(f.zip(root), work.resolve("task").resolve(f.module())));
            }
        }
        Files.createDirectories(work.resolve("logs"));

        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        boolean needsS3 = functions.stream().anyMatch(f -> f.module().equals("billing-export"));
        long started = System.nanoTime();
        try (EmbeddedAws aws = EmbeddedAws.start(); EmbeddedS3 s3 = needsS3 ? EmbeddedS3.start() : null;
                DynamoDbClient dynamoDb = aws.clients().dynamoDb();
                // The REST carrier's credentials, which the functions read at run time as in AWS.
                SecretsManagerStub secrets = Functions.secrets(SecretsManagerStub.start())) {
            // The session service's own logic and table, as the app's WebSocket connection would leave them.
            SessionService sessions = new SessionService(new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name()),
                    Duration.ofMinutes(15), Duration.ofDays(1));
            Map<String, String> config = new LinkedHashMap<>(aws.functionConfig());
            if (s3 != null) {
                config.putAll(s3.functionConfig());
            }
            config.put("calling.aws.secretsmanager-endpoint", secrets.endpoint().toString());
            System.out.printf("emulators up in %.1f s%n", (System.nanoTime() - started) / 1e9);
            int sequence = 0;
            for (int run = 1; run <= runs; run++) {
                for (FunctionUnderTest f : functions) {
                    for (Mode mode : modes) {
                        sequence++;
                        Path log = work.resolve("logs").resolve(f.name() + "-" + mode.label + "-" + run + ".log");
                        Sample sample = measure(f, mode, taskRoots.get(f.module()), runtimeJars, config, sequence, log,
                                sessions);
                        samples.computeIfAbsent(f.name() + " " + mode.label, k -> new ArrayList<>()).add(sample);
                        System.out.printf(Locale.ROOT,
                                "run %d %-18s %-19s init %6.0f ms  restore %4.0f ms  first %6.0f ms  warm %5.0f ms"
                                        + "  load %.2f  %s / %s%s%n",
                                run, f.name(), mode.label, sample.initMs(), sample.restoreMs(), sample.firstMs(),
                                sample.warmMs(), sample.load(), sample.firstResult(), sample.warmResult(),
                                sample.priming().map(p -> "  priming: " + p).orElse(""));
                    }
                }
            }
        } finally {
            jwks.stop(0);
        }
        report.append(summary(functions, modes, samples));
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        System.out.println();
        System.out.println(summary(functions, modes, samples));
        System.out.println("written to " + root.relativize(out));
    }

    static Sample measure(FunctionUnderTest f, Mode mode, Path taskRoot, Path runtimeJars, Map<String, String> config,
            int sequence, Path log, SessionService sessions) throws Exception {
        String first = "b" + sequence + "-";
        String warm = "w" + sequence + "-";
        for (String prefix : List.of(first, warm)) {
            for (String user : f.connectedUsers()) {
                sessions.handle(new ConnectionOpened(prefix + user + "-opened", prefix + user, prefix + user + "-phone",
                        prefix + user + "-c1", Instant.now()));
            }
        }
        List<byte[]> events = List.of(event(f, first), event(f, warm));
        double load = loadAverage();
        try (RuntimeApiEmulator api = RuntimeApiEmulator.of(f.name(), events, TIMEOUT)) {
            ProcessBuilder builder = LambdaProcess.builder(f.name(), f.memoryMb(), mode.initializationType, taskRoot,
                    runtimeJars, api, log);
            Map<String, String> env = builder.environment();
            env.put("CALLING_SNAPSTART_PRIMING", Boolean.toString(mode.priming));
            if (f.quarkusHandler() != null) {
                env.put("QUARKUS_LAMBDA_HANDLER", f.quarkusHandler());
            }
            config.forEach((key, value) -> env.put(key.toUpperCase(Locale.ROOT).replaceAll("[.-]", "_"), value));
            env.putAll(f.environment());

            long start = System.nanoTime();
            Process process = builder.start();
            try {
                long deadline = start + TIMEOUT.toNanos();
                while (!api.awaitResults(Duration.ofMillis(200))) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(f.name() + " exited with " + process.exitValue() + ", see " + log);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(f.name() + " gave no result in " + TIMEOUT + ", see " + log);
                    }
                }
            } finally {
                LambdaProcess.stop(process);
            }
            if (api.initError() != null) {
                throw new IllegalStateException(f.name() + " " + api.initError() + ", see " + log);
            }
            RuntimeApiEmulator.Invocation one = api.invocations().get(0);
            RuntimeApiEmulator.Invocation two = api.invocations().get(1);
            boolean snapStart = api.restoreNextAt() != 0;
            long initEnd = snapStart ? api.restoreNextAt() : api.firstNextAt();
            return new Sample((initEnd - start) / 1e6, snapStart ? (api.firstNextAt() - api.restoreNextAt()) / 1e6 : 0,
                    one.millis(), two.millis(), outcome(one), outcome(two), primingLine(log), load);
        }
    }

    /** The sample with every {@code sample-} id and each listed id made unique to this invocation. */
    static byte[] event(FunctionUnderTest f, String prefix) throws Exception {
        Path file = Path.of("events-samples").resolve(f.event());
        String json = Files.readString(file).replace("sample-", prefix);
        for (String id : f.uniqueIds()) {
            json = json.replace(id, prefix + UUID.randomUUID());
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return f.eventFixer() == null ? bytes : f.eventFixer().fix(bytes, prefix);
    }

    private static String outcome(RuntimeApiEmulator.Invocation invocation) {
        if (invocation.error()) {
            return "ERROR " + abbreviate(invocation.result());
        }
        Matcher status = Pattern.compile("\"statusCode\"\\s*:\\s*(\\d+)").matcher(invocation.result());
        if (status.find()) {
            return "HTTP " + status.group(1);
        }
        if (invocation.result().contains("batchItemFailures")) {
            long failures = Pattern.compile("itemIdentifier").matcher(invocation.result()).results().count();
            return "batch, " + failures + " failed";
        }
        return abbreviate(invocation.result());
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ");
        return flat.length() > 60 ? flat.substring(0, 60) + "..." : flat;
    }

    private static Optional<String> primingLine(Path log) throws IOException {
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return lines.map(PRIMING_LOG::matcher).filter(Matcher::find)
                    .map(m -> m.group(2) + " ms (" + m.group(1) + ")").findFirst();
        } catch (java.io.UncheckedIOException malformed) {
            return Optional.empty();
        }
    }

    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static HttpServer serveJwks(DevTokenIssuer issuer) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        byte[] body = issuer.jwksJson().getBytes(StandardCharsets.UTF_8);
        server.createContext("/jwks.json", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
    }


    /** Each zip's size, unzipped size, and its five largest jars (compressed size in the zip). */
    static String zipSizes(Path root, List<FunctionUnderTest> functions) throws IOException {
        StringBuilder text = new StringBuilder("| module | function.zip | unzipped | largest jars (size in the zip) |\n"
                + "|---|---|---|---|\n");
        for (String module : functions.stream().map(FunctionUnderTest::module).distinct().toList()) {
            Path zip = functions.stream().filter(f -> f.module().equals(module)).findFirst().orElseThrow().zip(root);
            try (ZipFile file = new ZipFile(zip.toFile())) {
                List<? extends ZipEntry> entries = java.util.Collections.list(file.entries());
                long unzipped = entries.stream().mapToLong(e -> Math.max(0, e.getSize())).sum();
                String largest = entries.stream().filter(e -> e.getName().endsWith(".jar"))
                        .sorted(Comparator.comparingLong(ZipEntry::getCompressedSize).reversed()).limit(5)
                        .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getName().replaceFirst("^lib/", "")
                                .replaceFirst("-[0-9][^-]*\\.jar$", ""), e.getCompressedSize() / 1e6))
                        .collect(Collectors.joining(", "));
                text.append(String.format(Locale.ROOT, "| %s | %.1f MB | %.1f MB | %s |%n", module,
                        Files.size(zip) / 1e6, unzipped / 1e6, largest));
            }
        }
        return text.toString();
    }

    static String summary(List<FunctionUnderTest> functions, List<Mode> modes, Map<String, List<Sample>> samples) {
        StringBuilder text = new StringBuilder(
                "| function | mode | init ms | restore hooks ms | first event ms | init + first ms | warm event ms"
                        + " | priming ms | load 1-min | first / warm result |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|\n");
        for (FunctionUnderTest f : functions) {
            for (Mode mode : modes) {
                List<Sample> list = samples.getOrDefault(f.name() + " " + mode.label, List.of());
                if (list.isEmpty()) {
                    continue;
                }
                List<Double> primingMs = list.stream().flatMap(s -> s.priming().stream())
                        .map(p -> Double.parseDouble(p.substring(0, p.indexOf(' ')))).toList();
                text.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        f.name(), mode.label, stat(list, Sample::initMs),
                        mode == Mode.ON_DEMAND ? "–" : stat(list, Sample::restoreMs), stat(list, Sample::firstMs),
                        stat(list, s -> s.initMs() + s.restoreMs() + s.firstMs()), stat(list, Sample::warmMs),
                        primingMs.isEmpty() ? "–" : stat(primingMs, d -> d),
                        String.format(Locale.ROOT, "%.1f–%.1f", list.stream().mapToDouble(Sample::load).min().orElse(0),
                                list.stream().mapToDouble(Sample::load).max().orElse(0)),
                        list.get(0).firstResult() + " / " + list.get(0).warmResult()));
            }
        }
        return text.append("\nEach cell: median (min) over the runs.\n").toString();
    }

    private static <T> String stat(List<T> list, java.util.function.ToDoubleFunction<T> value) {
        double[] sorted = list.stream().mapToDouble(value).sorted().toArray();
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return String.format(Locale.ROOT, "%.0f (%.0f)", median, sorted[0]);
    }
}
