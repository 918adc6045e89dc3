import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A minimal realtime client for trying the API by hand (JDK only, run as a source file):
 * connects to the WebSocket API with a token, heartbeats every 30 s like an app (the first reply
 * tells the connection id), prints every message it receives, and sends each line typed on stdin.
 * Usage: tools/ws-client <token> [--ws-port=N | ws://host:port], the port or endpoint
 * {@code ./run-local --serve} printed (8088 unless it was started with {@code --ws-port=N}).
 */
public class WsClient {

    static final String USAGE = "usage: tools/ws-client <token> [--ws-port=N | ws://localhost:8088]";

    public static void main(String[] args) throws Exception {
        String endpoint = args.length == 1 || args.length == 2 ? endpoint(args.length == 2 ? args[1] : null) : null;
        if (endpoint == null || args[0].startsWith("-") || args[0].startsWith("ws:")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        CountDownLatch closed = new CountDownLatch(1);
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(endpoint + "/?token=" + URLEncoder.encode(args[0], StandardCharsets.UTF_8)),
                        new WebSocket.Listener() {
                            final StringBuilder text = new StringBuilder();

                            @Override
                            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                                text.append(data);
                                if (last) {
                                    System.out.println("<< " + text);
                                    text.setLength(0);
                                }
                                ws.request(1);
                                return CompletableFuture.completedFuture(null);
                            }

                            @Override
                            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                                System.out.println("closed: " + status + " " + reason);
                                closed.countDown();
                                return null;
                            }
                        }).join();
        System.out.println("connected to " + endpoint);
        var heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleAtFixedRate(() -> socket.sendText("{\"action\":\"heartbeat\"}", true), 0, 30, TimeUnit.SECONDS);
        Thread stdin = new Thread(() -> {
            var in = new java.util.Scanner(System.in, StandardCharsets.UTF_8);
            while (in.hasNextLine()) {
                socket.sendText(in.nextLine(), true).join();
            }
        });
        stdin.setDaemon(true);
        stdin.start();
        closed.await();
    }

    /** The WebSocket endpoint an argument names: none (ws://localhost:8088), --ws-port=N, or a ws:// URL; null if neither. */
    static String endpoint(String arg) {
        if (arg == null) {
            return "ws://localhost:8088";
        }
        if (arg.startsWith("--ws-port=")) {
            try {
                int port = Integer.parseInt(arg.substring("--ws-port=".length()));
                return port > 0 && port < 65536 ? "ws://localhost:" + port : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (arg.startsWith("ws://") || arg.startsWith("wss://")) {
            return arg.endsWith("/") ? arg.substring(0, arg.length() - 1) : arg;
        }
        return null;
    }
}
