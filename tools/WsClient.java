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
 * Usage: tools/ws-client <token> [ws://localhost:8088]
 */
public class WsClient {

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: tools/ws-client <token> [ws://localhost:8088]");
            System.exit(2);
        }
        String endpoint = args.length > 1 ? args[1] : "ws://localhost:8088";
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
}
