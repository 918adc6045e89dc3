package dev.calling.benchmarks.coldstart;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The part of the Lambda Runtime API a Java runtime uses, on a loopback port, for one execution
 * environment: it hands out the given events in order on {@code invocation/next}, records when the
 * runtime first asked for one (init done), when each event was handed out and when its result came
 * back, and answers SnapStart's {@code restore/next} (the point where the snapshot would be taken).
 * Once the events are used up, {@code next} blocks, as Lambda's does between invocations.
 *
 * <p>All times are {@link System#nanoTime()} of this JVM, so they compare with the time the
 * benchmark started the function's process.
 */
final class RuntimeApiEmulator implements AutoCloseable {

    static final String PREFIX = "/2018-06-01/runtime/";
    static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:";

    /** One invocation: what was handed out and what came back. */
    static final class Invocation {
        final String requestId = UUID.randomUUID().toString();
        final byte[] event;
        volatile long servedAt;
        volatile long answeredAt;
        volatile boolean error;
        volatile String result = "";

        Invocation(byte[] event) {
            this.event = event;
        }

        double millis() {
            return (answeredAt - servedAt) / 1e6;
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final String functionName;
    private final Duration timeout;
    private final List<Invocation> invocations = new ArrayList<>();
    private final LinkedBlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> byId = new ConcurrentHashMap<>();
    private final CountDownLatch done;
    private volatile long firstNextAt;
    private volatile long restoreNextAt;
    private volatile String initError;

    RuntimeApiEmulator(String functionName, List<byte[]> events, Duration timeout) throws IOException {
        this.functionName = functionName;
        this.timeout = timeout;
        for (byte[] event : events) {
            Invocation invocation = new Invocation(event);
            invocations.add(invocation);
            pending.add(invocation);
            byId.put(invocation.requestId, invocation);
        }
        done = new CountDownLatch(events.size());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(threads);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** What {@code AWS_LAMBDA_RUNTIME_API} is set to. */
    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits until every event has a result, or init failed; false on timeout. */
    boolean awaitResults(Duration wait) throws InterruptedException {
        return done.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    long firstNextAt() {
        return firstNextAt;
    }

    long restoreNextAt() {
        return restoreNextAt;
    }

    String initError() {
        return initError;
    }

    List<Invocation> invocations() {
        return invocations;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long now = System.nanoTime();
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            String method = exchange.getRequestMethod();
            if (method.equals("GET") && path.equals("invocation/next")) {
                next(exchange, now);
            } else if (method.equals("GET") && path.equals("restore/next")) {
                if (restoreNextAt == 0) {
                    restoreNextAt = now;
                }
                reply(exchange, 200, new byte[0]);
            } else if (method.equals("POST") && path.startsWith("invocation/")) {
                result(exchange, path, now);
            } else if (method.equals("POST") && (path.equals("init/error") || path.equals("restore/error"))) {
                initError = path + ": " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                while (done.getCount() > 0) {
                    done.countDown();
                }
                reply(exchange, 202, "{}".getBytes(StandardCharsets.UTF_8));
            } else {
                reply(exchange, 404, ("no " + method + " " + path).getBytes(StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void next(HttpExchange exchange, long now) throws IOException, InterruptedException {
        if (firstNextAt == 0) {
            firstNextAt = now;
        }
        Invocation invocation = pending.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (invocation == null) {
            // Events used up: the runtime waits here until the benchmark stops the process.
            reply(exchange, 500, new byte[0]);
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 900_000));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN + functionName);
        headers.set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
        invocation.servedAt = System.nanoTime();
        reply(exchange, 200, invocation.event);
    }

    private void result(HttpExchange exchange, String path, long now) throws IOException {
        String[] parts = path.split("/");
        Invocation invocation = parts.length == 3 ? byId.get(parts[1]) : null;
        if (invocation == null || !(parts[2].equals("response") || parts[2].equals("error"))) {
            reply(exchange, 400, ("unknown " + path).getBytes(StandardCharsets.UTF_8));
            return;
        }
        invocation.answeredAt = now;
        invocation.error = parts[2].equals("error");
        invocation.result = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        reply(exchange, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8));
        done.countDown();
    }

    private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
