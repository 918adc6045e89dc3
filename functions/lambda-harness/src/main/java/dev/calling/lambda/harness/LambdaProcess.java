package dev.calling.lambda.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A function's process as Lambda's managed Java runtime starts it: the unzipped {@code function.zip} as the task
 * root (the working directory), AWS's Lambda Runtime Interface Client ({@code AWSLambda}) loading Quarkus's stream
 * handler, the JVM flags and the reserved variables Lambda sets. The caller adds the function's own environment
 * and starts it against a {@link RuntimeApiEmulator}.
 */
public final class LambdaProcess {

    public static final String RUNTIME_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    public static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";
    public static final String REGION = "us-east-1";
    /** {@code AWS_LAMBDA_INITIALIZATION_TYPE} of a SnapStart version's start (its before-checkpoint hooks run). */
    public static final String SNAP_START = "snap-start";
    public static final String ON_DEMAND = "on-demand";

    private LambdaProcess() {}

    /**
     * The process of function {@code name}, its environment holding only what Lambda sets (credentials are dummies:
     * endpoints are local stand-ins), its output going to {@code log}.
     *
     * @param runtimeJars a folder of the runtime client's jars (the Maven build copies them)
     */
    public static ProcessBuilder builder(String name, int memoryMb, String initializationType, Path taskRoot,
            Path runtimeJars, RuntimeApiEmulator api, Path log) {
        String classpath;
        try (Stream<Path> jars = Files.list(runtimeJars)) {
            classpath = jars.filter(p -> p.toString().endsWith(".jar")).sorted().map(Path::toString)
                    .collect(Collectors.joining(":"));
        } catch (IOException e) {
            throw new UncheckedIOException("no Lambda runtime jars in " + runtimeJars, e);
        }
        // As Lambda's Java 17/21 runtimes start the JVM: C1 only, serial GC, class data sharing, a heap of about
        // 85 % of the function's memory; org.crac's hooks go to the runtime's CRaC context.
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-XX:MaxHeapSize=" + memoryMb * 85 / 100 + "m",
                "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac", "-cp", classpath, RUNTIME_MAIN, HANDLER))
                .directory(taskRoot.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(reservedEnvironment(name, memoryMb, initializationType, taskRoot, api.address()));
        return builder;
    }

    /** The variables Lambda sets in every execution environment. */
    static Map<String, String> reservedEnvironment(String name, int memoryMb, String initializationType, Path taskRoot,
            String runtimeApi) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", ":UTC");
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("AWS_LAMBDA_RUNTIME_API", runtimeApi);
        env.put("AWS_REGION", REGION);
        env.put("AWS_DEFAULT_REGION", REGION);
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        env.put("AWS_LAMBDA_FUNCTION_NAME", name);
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memoryMb));
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "1");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + name);
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", initializationType);
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        env.put("AWS_SESSION_TOKEN", "local");
        env.put("_HANDLER", HANDLER);
        return env;
    }

    /** Stops the function's process, forcibly after 10 s. */
    public static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Unzips {@code zip} into {@code target} (emptied first), as Lambda unpacks a function's code. */
    public static Path unzip(Path zip, Path target) {
        try {
            if (Files.exists(target)) {
                try (Stream<Path> paths = Files.walk(target)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
            throw new UncheckedIOException(e);
        }
    }
}
