package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.calling.infra.service.CallingFunction;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Stack;

/**
 * Every function of every deployment variant starts with exactly the environment its synthesised template
 * gives it, as Lambda starts it when it publishes a version: the packaged {@code function.zip} unzipped as the
 * task root, AWS's Lambda Runtime Interface Client loading Quarkus's stream handler with
 * {@code AWS_LAMBDA_INITIALIZATION_TYPE=snap-start} (the before-checkpoint hooks start the Quarkus application,
 * where its configuration is validated), up to the runtime's first {@code invocation/next}. A start-up failure
 * there is a failed {@code cdk deploy}. The template's values that are CloudFormation expressions are given
 * plausible stand-ins (ARNs, URLs, ids); secrets' dynamic references a stand-in string. SnapStart priming is
 * off (it calls AWS, and its failures never stop a snapshot). Functions whose module and environment are the
 * same in two variants start once.
 *
 * <p>An integration test (failsafe, {@code verify}): it needs the built zips, fresh after the reactor packaged
 * the functions. With {@code -Dcdk.functionCode=placeholder} (no zips) it is skipped.
 */
class FunctionsStartIT {

    static final String HANDLER = CallingFunction.HANDLER;
    static final String RUNTIME_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";

    /** A deployment the README describes, by the context that makes it. */
    record Variant(String name, Map<String, Object> context, Optional<String> region) {}

    static final List<Variant> VARIANTS = List.of(
            // What `cdk deploy` gives with no context at all: VoIP only, no Chime, no carriers, no push.
            new Variant("default", Map.of(), Optional.empty()),
            new Variant("chime-step-2", Map.of("stage", "chime", "chimeSipMediaApplicationId",
                    "5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60", "chimeFromPhoneNumber", "+12065550100", "carriers",
                    "{\"chime\": {\"adapter\": \"CHIME\", \"rate-deck\": \"rate-decks/atlas.csv.gz\"}}"), Optional.empty()),
            new Variant("everything", TestApp.CONTEXT, Optional.empty()),
            new Variant("external-switch", Map.of("stage", "ext", "switch", "external"), Optional.empty()),
            new Variant("remote-chime-control", Map.of("stage", "remote", "chimeMeetingsRegion", "eu-central-1"),
                    Optional.of("eu-west-1")));

    @TestFactory
    Stream<DynamicTest> everyFunctionStartsWithTheEnvironmentOfItsTemplate() throws IOException {
        Assumptions.assumeFalse("placeholder".equals(System.getProperty("cdk.functionCode")),
                "-Dcdk.functionCode=placeholder: no function zips to start");
        Path root = CallingApp.projectRoot();
        Path runtime = Path.of(System.getProperty("lambda.runtime.dir", "target/lambda-runtime")).toAbsolutePath();
        assertThat(runtime).as("the Lambda runtime's jars (copied by the build)").isDirectory();
        Path work = Files.createDirectories(Path.of("target/functions-start").toAbsolutePath());
        Map<String, Path> taskRoots = new ConcurrentHashMap<>();
        Map<String, DynamicTest> tests = new LinkedHashMap<>();
        // The starts run STARTS_AT_ONCE at a time, from the moment each is known (while the next variant is still
        // synthesised): each is one JVM booting on mostly one core, and 26 of them in series were the longest part of
        // the build. Each test then waits for its own start and reports its own failure.
        ExecutorService starts = Executors.newFixedThreadPool(STARTS_AT_ONCE, r -> {
            Thread thread = new Thread(r, "function-start");
            thread.setDaemon(true);
            return thread;
        });
        // -Dfunctions.start.only=SipMediaHandler,CallApi: those functions only (when changing one).
        List<String> only = List.of(System.getProperty("functions.start.only", "").split(",")).stream()
                .filter(name -> !name.isBlank()).toList();
        for (Variant variant : VARIANTS) {
            TestApp.Synthesised app = TestApp.synthesise(variant.context(), variant.region());
            for (CallingFunction function : app.stacks().service().functions().values()) {
                String module = function.settings().module();
                Map<String, String> environment = environment(app, function);
                // The same start in another stage is no new case: names differ by calling-<stage>- only.
                String prefix = PhysicalNames.of(String.valueOf(variant.context().getOrDefault("stage", "dev"))).prefix();
                String key = module + " " + new TreeMap<>(environment).toString().replace(prefix, "calling-<stage>");
                if (tests.containsKey(key) || !only.isEmpty() && !only.contains(function.settings().name())) {
                    continue;
                }
                Path zip = root.resolve("functions").resolve(module).resolve("target").resolve("function.zip");
                Future<?> started = starts.submit(() -> {
                    assertThat(zip).as("built function package (./mvnw package)").isRegularFile();
                    Path taskRoot = taskRoots.computeIfAbsent(module, m -> unzip(zip, work.resolve("task").resolve(m)));
                    start(function.settings().name(), function.settings().memoryMb(), taskRoot, runtime, environment,
                            work.resolve(variant.name() + "-" + function.settings().name() + ".log"));
                    return null;
                });
                tests.put(key, DynamicTest.dynamicTest(variant.name() + ": " + function.settings().name(),
                        () -> awaitStart(started)));
            }
        }
        starts.shutdown(); // the submitted starts still run; the pool's threads end with them
        return tests.values().stream();
    }

    /** Starts at once: two, as many as the build machine's cores ({@code -Dfunctions.start.parallel=N}). */
    static final int STARTS_AT_ONCE = Integer.getInteger("functions.start.parallel", 2);

    /** Waits for one start and fails with what failed it. */
    static void awaitStart(Future<?> started) throws Throwable {
        try {
            started.get();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    /** The function's variables in the template, each CloudFormation expression replaced by a stand-in. */
    static Map<String, String> environment(TestApp.Synthesised app, CallingFunction function) {
        Stack stack = Stack.of(function);
        String id = stack.getLogicalId((CfnElement) function.function().getNode().getDefaultChild());
        JsonNode template = app.serviceJson();
        JsonNode variables = template.at("/Resources/" + id + "/Properties/Environment/Variables");
        Map<String, String> environment = new TreeMap<>();
        variables.fields().forEachRemaining(v -> environment.put(v.getKey(), standIn(template, v.getValue())));
        return environment;
    }

    static String standIn(JsonNode template, JsonNode value) {
        if (value.isTextual()) {
            return value.asText().startsWith("{{resolve:") ? "resolved-at-deploy-" + value.asText().hashCode() : value.asText();
        }
        if (value.has("Ref")) {
            String ref = value.get("Ref").asText();
            return switch (ref) {
                case "AWS::Region" -> REGION;
                case "AWS::AccountId" -> ACCOUNT;
                case "AWS::Partition" -> "aws";
                case "AWS::URLSuffix" -> "amazonaws.com";
                default -> template.path("Parameters").has(ref) ? "us-east-1_Parameter" + Math.abs(ref.hashCode() % 1000)
                        : ref.toLowerCase(Locale.ROOT);
            };
        }
        if (value.has("Fn::GetAtt")) {
            String resource = value.get("Fn::GetAtt").get(0).asText();
            return "arn:aws:service:" + REGION + ":" + ACCOUNT + ":" + resource.toLowerCase(Locale.ROOT);
        }
        if (value.has("Fn::Join")) {
            List<String> parts = new ArrayList<>();
            value.get("Fn::Join").get(1).forEach(part -> parts.add(standIn(template, part)));
            return String.join(value.get("Fn::Join").get(0).asText(), parts);
        }
        if (value.has("Fn::Select")) {
            int index = value.get("Fn::Select").get(0).asInt();
            JsonNode list = value.get("Fn::Select").get(1);
            if (list.has("Fn::Split")) {
                String[] split = standIn(template, list.get("Fn::Split").get(1))
                        .split(java.util.regex.Pattern.quote(list.get("Fn::Split").get(0).asText()), -1);
                return index < split.length ? split[index] : "";
            }
            return standIn(template, list.get(index));
        }
        throw new AssertionError("no stand-in for " + value);
    }

    /** Starts the function as Lambda does for a SnapStart version, up to its first {@code invocation/next}. */
    static void start(String name, int memoryMb, Path taskRoot, Path runtimeJars, Map<String, String> environment,
            Path log) throws Exception {
        try (RuntimeApi api = new RuntimeApi()) {
            String classpath;
            try (Stream<Path> jars = Files.list(runtimeJars)) {
                classpath = jars.filter(p -> p.toString().endsWith(".jar")).sorted().map(Path::toString)
                        .collect(Collectors.joining(":"));
            }
            ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                    "-XX:MaxHeapSize=" + memoryMb * 85 / 100 + "m",
                    "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac", "-cp", classpath, RUNTIME_MAIN, HANDLER)
                    .directory(taskRoot.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.clear();
            env.putAll(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "LANG", "en_US.UTF-8", "TZ", ":UTC",
                    "LAMBDA_TASK_ROOT", taskRoot.toString(), "AWS_LAMBDA_RUNTIME_API", api.address(),
                    "AWS_REGION", REGION, "AWS_DEFAULT_REGION", REGION, "AWS_EXECUTION_ENV", "AWS_Lambda_java21",
                    "AWS_LAMBDA_FUNCTION_NAME", name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memoryMb)));
            env.putAll(Map.of("AWS_LAMBDA_FUNCTION_VERSION", "1", "AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + name,
                    "AWS_LAMBDA_LOG_STREAM_NAME", "start", "AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start",
                    "AWS_ACCESS_KEY_ID", "start-test", "AWS_SECRET_ACCESS_KEY", "start-test", "AWS_SESSION_TOKEN",
                    "start-test", "_HANDLER", HANDLER, "CALLING_SNAPSTART_PRIMING", "false"));
            env.putAll(environment);
            Process process = builder.start();
            try {
                long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
                while (!api.await(Duration.ofMillis(200))) {
                    if (!process.isAlive()) {
                        throw new AssertionError(name + " exited with " + process.exitValue() + " before its first"
                                + " invocation/next:\n" + tail(log));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(name + " did not start in " + START_TIMEOUT + ":\n" + tail(log));
                    }
                }
            } finally {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            }
            if (api.error != null) {
                throw new AssertionError(name + " failed to start: " + api.error + "\n" + tail(log));
            }
            assertThat(api.restored).as(name + ": the SnapStart restore was reached").isTrue();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * The Lambda Runtime API up to the first {@code invocation/next}: {@code restore/next} is answered (the
     * snapshot would be taken there), {@code init/error} and {@code restore/error} recorded, and the first
     * {@code invocation/next} ends the start (it is held, as Lambda holds it until an event comes).
     */
    static final class RuntimeApi implements AutoCloseable {
        private static final String PREFIX = "/2018-06-01/runtime/";
        private final HttpServer server;
        private final CountDownLatch done = new CountDownLatch(1);
        volatile String error;
        volatile boolean restored;

        RuntimeApi() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread thread = new Thread(r, "runtime-api");
                thread.setDaemon(true);
                return thread;
            }));
            server.createContext(PREFIX, this::handle);
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        boolean await(Duration wait) throws InterruptedException {
            return done.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
                String method = exchange.getRequestMethod();
                if (method.equals("GET") && path.equals("restore/next")) {
                    restored = true;
                    reply(exchange, 200, "");
                } else if (method.equals("POST") && (path.equals("init/error") || path.equals("restore/error"))) {
                    error = path + ": " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    reply(exchange, 202, "{}");
                    done.countDown();
                } else if (method.equals("GET") && path.equals("invocation/next")) {
                    done.countDown();
                    try {
                        Thread.sleep(START_TIMEOUT.toMillis()); // no event: the test stops the process
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    reply(exchange, 500, "");
                } else {
                    reply(exchange, 404, "no " + method + " " + path);
                }
            }
        }

        private static void reply(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static Path unzip(Path zip, Path target) {
        try {
            if (Files.exists(target)) {
                try (Stream<Path> paths = Files.walk(target)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(target);
            try (ZipFile file = new ZipFile(zip.toFile())) {
                for (ZipEntry entry : Collections.list(file.entries())) {
                    Path to = target.resolve(entry.getName()).normalize();
                    if (!to.startsWith(target)) {
                        throw new IOException("zip entry outside its root: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(to);
                    } else {
                        Files.createDirectories(to.getParent());
                        try (InputStream in = file.getInputStream(entry)) {
                            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
