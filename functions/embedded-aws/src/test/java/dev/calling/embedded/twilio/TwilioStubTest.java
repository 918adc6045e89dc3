package dev.calling.embedded.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stub plays Twilio's side as documented: its signatures, its authentication, its callbacks. */
class TwilioStubTest {

    static final String ACCOUNT = "AC" + "ab".repeat(16);
    static final String TOKEN = "stub_test_auth_token";
    static final String KEY = "SK" + "cd".repeat(16);
    static final String KEY_SECRET = "stub_test_key_secret";

    static TwilioStub twilio;
    static HttpServer webhook;
    static final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    static final List<String> signatures = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        twilio = new TwilioStub(ACCOUNT, TOKEN, KEY, KEY_SECRET);
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hooks", exchange -> {
            Map<String, String> form = new TreeMap<>();
            for (String pair : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
            received.add(form);
            signatures.add(exchange.getRequestHeaders().getFirst("X-Twilio-Signature"));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
    }

    @AfterAll
    static void stop() {
        webhook.stop(0);
        twilio.close();
    }

    @Test
    void itSignsAsTwiliosDocumentationsExampleDoes() {
        // https://www.twilio.com/docs/usage/webhooks/webhooks-security, "Validating Signatures from Twilio"
        Map<String, String> params = Map.of("CallSid", "CA1234567890ABCDE", "Caller", "+12349013030",
                "Digits", "1234", "From", "+12349013030", "To", "+18005551212");

        assertThat(TwilioStub.sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params))
                .isEqualTo("0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    HttpResponse<String> create(String to, String credentials) throws Exception {
        String callback = "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks?callId=c1&attempt=1";
        String form = "To=" + to.replace("+", "%2B") + "&From=%2B14155550100&Twiml=%3CResponse%3E%3CPause+length%3D%2260%22%2F%3E%3C%2FResponse%3E"
                + "&StatusCallback=" + java.net.URLEncoder.encode(callback, StandardCharsets.UTF_8)
                + "&StatusCallbackEvent=ringing&StatusCallbackEvent=answered&StatusCallbackEvent=completed"
                + "&Timeout=60&TimeLimit=120";
        return http.send(HttpRequest.newBuilder(URI.create(twilio.baseUrl() + "/2010-04-01/Accounts/" + ACCOUNT + "/Calls.json"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAnsweredCallIsReportedRingingInProgressCompletedSignedAndNumberedInOrder() throws Exception {
        twilio.on("+33600000001", new TwilioStub.Script.Answers(Duration.ofMillis(100), Duration.ofMillis(200)));
        received.clear();
        signatures.clear();

        HttpResponse<String> created = create("+33600000001", KEY + ":" + KEY_SECRET);

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).contains("\"status\":\"queued\"", "\"sid\":\"CA");
        for (long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                received.size() < 3 && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
        }
        assertThat(received).extracting(form -> form.get("CallStatus") + "#" + form.get("SequenceNumber"))
                .containsExactly("ringing#0", "in-progress#1", "completed#2");
        String url = "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hooks?callId=c1&attempt=1";
        for (int i = 0; i < 3; i++) {
            assertThat(signatures.get(i)).isEqualTo(TwilioStub.sign(TOKEN, url, received.get(i)));
        }
        assertThat(received.get(2)).containsEntry("SipResponseCode", "200").containsKey("CallDuration");
    }

    @Test
    void wrongCredentialsGetTwiliosAuthenticationError() throws Exception {
        HttpResponse<String> refused = create("+33600000002", KEY + ":wrong");

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("\"code\":20003");
    }
}
