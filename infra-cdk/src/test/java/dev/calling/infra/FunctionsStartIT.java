package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.infra.service.CallingFunction;
import dev.calling.lambda.harness.LambdaProcess;
import dev.calling.lambda.harness.RuntimeApiEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
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
                    Path taskRoot = taskRoots.computeIfAbsent(module, m -> LambdaProcess.unzip(zip, work.resolve("task").resolve(m)));
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

    /** Starts at once: one (two at once crashed a runtime client twice in CI, 2026-12-05); {@code -Dfunctions.start.parallel=N}. */
    static final int STARTS_AT_ONCE = Integer.getInteger("functions.start.parallel", 1);

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
        try (RuntimeApiEmulator api = new RuntimeApiEmulator(name, List.of(), START_TIMEOUT)) {
            start(name, memoryMb, taskRoot, runtimeJars, environment, log, api);
        }
    }

    /**
     * {@link #start}, with {@code api} handing the function its events first: it returns once the function asked
     * for an event when none was left (or failed its start).
     */
    static void start(String name, int memoryMb, Path taskRoot, Path runtimeJars, Map<String, String> environment,
            Path log, RuntimeApiEmulator api) throws Exception {
        ProcessBuilder builder = LambdaProcess.builder(name, memoryMb, LambdaProcess.SNAP_START, taskRoot, runtimeJars,
                api, log);
        builder.environment().put("CALLING_SNAPSTART_PRIMING", "false");
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!api.awaitIdle(Duration.ofMillis(200))) {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited with " + process.exitValue() + " before its first"
                            + " invocation/next:\n" + tail(log));
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " did not start in " + START_TIMEOUT + ":\n" + tail(log));
                }
            }
        } finally {
            LambdaProcess.stop(process);
        }
        if (api.initError() != null) {
            throw new AssertionError(name + " failed to start: " + api.initError() + "\n" + tail(log));
        }
        assertThat(api.restoreNextAt()).as(name + ": the SnapStart restore was reached").isPositive();
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

}
