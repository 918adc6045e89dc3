package dev.calling.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A mobile app as the local demo and the tests play it: real HTTP requests to the local HTTP API
 * with a bearer token, and a real WebSocket to the realtime API.
 */
public final class AppClient {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A response: status, content type and the parsed JSON body. */
    public record Reply(int status, String contentType, JsonNode body, HttpResponse<String> raw) {
        String problemType() {
            return body.path("type").asText().replace("https://calling.dev/problems/", "");
        }
    }

    private final URI api;
    private final String token;

    public AppClient(URI api, String token) {
        this.api = api;
        this.token = token;
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(api.resolve(path)).GET());
    }

    public Reply post(String path, String json, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path))
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    public Reply put(String path, String json) {
        return send(HttpRequest.newBuilder(api.resolve(path)).PUT(HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json"));
    }

    public Reply delete(String path) {
        return send(HttpRequest.newBuilder(api.resolve(path)).DELETE());
    }

    public Reply send(HttpRequest.Builder request) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
            return new Reply(response.statusCode(), response.headers().firstValue("content-type").orElse(""), body,
                    response);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A connected realtime WebSocket that keeps every message it receives. */
    public static final class Socket implements WebSocket.Listener, AutoCloseable {
        final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket webSocket;

        public static Socket connect(URI endpoint, String token) {
            Socket socket = new Socket();
            socket.webSocket = HTTP.newWebSocketBuilder()
                    .buildAsync(URI.create(endpoint + "/?token=" + token), socket).join();
            return socket;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return CompletableFuture.completedFuture(null);
        }

        public void send(String text) {
            webSocket.sendText(text, true).join();
        }

        /** Sends a heartbeat and returns the connection id the reply names. */
        public String heartbeat() {
            send("{\"action\":\"heartbeat\"}");
            return await(m -> m.path("type").asText().equals("heartbeat"), Duration.ofSeconds(10))
                    .path("connectionId").asText();
        }

        /** The first message (from now on, skipping others) that matches. */
        public JsonNode await(Predicate<JsonNode> wanted, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (System.nanoTime() < deadline) {
                    JsonNode message = messages.poll(50, TimeUnit.MILLISECONDS);
                    if (message != null && wanted.test(message)) {
                        return message;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new AssertionError("no matching message within " + timeout);
        }

        /** The push announcing that the call is in {@code state}. */
        public JsonNode awaitCall(String callId, String state) {
            return await(m -> m.path("type").asText().equals("call") && m.path("call").path("callId").asText().equals(callId)
                    && m.path("call").path("state").asText().equals(state), Duration.ofSeconds(20));
        }

        @Override
        public void close() {
            webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
        }
    }
}
