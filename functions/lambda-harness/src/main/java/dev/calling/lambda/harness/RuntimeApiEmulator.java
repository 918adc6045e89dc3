package dev.calling.lambda.harness;

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
 * The part of the Lambda Runtime API a Java runtime uses, on a loopback port, for one execution environment: it
 * hands out the given events in order on {@code invocation/next} (each with its trace header), records when the
 * runtime first asked for one (init done), when each event was handed out and when its result came back, and
 * answers SnapStart's {@code restore/next} (where the snapshot would be taken) and {@code init/error}. Once the
 * events are used up, {@code next} is held, as Lambda holds it between invocations, until the caller stops the
 * process.
 *
 * <p>All times are {@link System#nanoTime()} of this JVM, so they compare with the time the caller started the
 * function's process.
 */
public final class RuntimeApiEmulator implements AutoCloseable {

    static final String PREFIX = "/2018-06-01/runtime/";
    static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:";
    /** What Lambda hands out when the invocation is not traced. */
    public static final String UNSAMPLED = "Root=1-00000000-000000000000000000000000;Sampled=0";

    /** One invocation: what was handed out and what came back. */
    public static final class Invocation {
        public final String requestId = UUID.randomUUID().toString();
        final byte[] event;
        final String traceHeader;
        volatile long servedAt;
        volatile long answeredAt;
        volatile boolean error;
        volatile String result = "";

        public Invocation(byte[] event, String traceHeader) {
            this.event = event;
            this.traceHeader = traceHeader;
        }

        public Invocation(byte[] event) {
            this(event, UNSAMPLED);
        }

        /** From being handed out to its result, in milliseconds. */
        public double millis() {
            return (answeredAt - servedAt) / 1e6;
        }

        public boolean error() {
            return error;
        }

        public boolean answered() {
            return answeredAt != 0;
        }

        /** The response or error document the runtime posted. */
        public String result() {
            return result;
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final String functionName;
    private final Duration hold;
    private final List<Invocation> invocations = new ArrayList<>();
    private final LinkedBlockingQueue<Invocation> pending = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> byId = new ConcurrentHashMap<>();
    private final CountDownLatch results;
    private final CountDownLatch idle = new CountDownLatch(1);
    private volatile long firstNextAt;
    private volatile long restoreNextAt;
    private volatile String initError;

    /**
     * @param functionName the name in the invoked function ARN
     * @param invocations handed out in order
     * @param hold how long a {@code next} with no event left is held before it is answered with an error
     */
    public RuntimeApiEmulator(String functionName, List<Invocation> invocations, Duration hold) throws IOException {
        this.functionName = functionName;
        this.hold = hold;
        for (Invocation invocation : invocations) {
            this.invocations.add(invocation);
            byId.put(invocation.requestId, invocation);
        }
        pending.addAll(invocations);
        results = new CountDownLatch(invocations.size());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(threads);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** Events as invocations, untraced. */
    public static RuntimeApiEmulator of(String functionName, List<byte[]> events, Duration hold) throws IOException {
        return new RuntimeApiEmulator(functionName, events.stream().map(Invocation::new).toList(), hold);
    }

    /** What {@code AWS_LAMBDA_RUNTIME_API} is set to. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits until every event has a result, or init failed; false on timeout. */
    public boolean awaitResults(Duration wait) throws InterruptedException {
        return results.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until the runtime asks for an event when none is left (it started and handled every event), or init
     * failed; false on timeout.
     */
    public boolean awaitIdle(Duration wait) throws InterruptedException {
        return idle.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long firstNextAt() {
        return firstNextAt;
    }

    /** When SnapStart's {@code restore/next} was asked for; 0 if never (an on-demand start). */
    public long restoreNextAt() {
        return restoreNextAt;
    }

    /** What the runtime posted to {@code init/error} or {@code restore/error}, or null. */
    public String initError() {
        return initError;
    }

    public List<Invocation> invocations() {
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
                while (results.getCount() > 0) {
                    results.countDown();
                }
                idle.countDown();
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
        Invocation invocation = pending.poll();
        if (invocation == null) {
            // Events used up: the runtime waits here until the caller stops the process.
            idle.countDown();
            Thread.sleep(hold.toMillis());
            reply(exchange, 500, new byte[0]);
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
        headers.set("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 900_000));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN + functionName);
        headers.set("Lambda-Runtime-Trace-Id", invocation.traceHeader);
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
        results.countDown();
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
