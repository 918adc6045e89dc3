package dev.calling.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.core.push.PushKind;
import dev.calling.embedded.SnsStub;
import dev.calling.push.sns.PushMessages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the local SNS was asked and what it answered, read from its request log (WireMock's journal, through
 * its admin API, {@code GET /__admin/requests}): every request's form parameters with the HTTP status and, for
 * an error, SNS's error code. The stub's own {@code requests(action)} gives the forms alone, failed requests
 * included; the verdict needs to tell the pushes SNS accepted (answered 200) from those it refused.
 */
final class SnsJournal {

    /** One request to SNS and its answer. */
    record Request(Map<String, String> form, int status, String errorCode) {
        String action() {
            return form.getOrDefault("Action", "");
        }

        boolean accepted() {
            return status == 200;
        }
    }

    /** A Publish as the phone's app would read it: the call, the push's kind, and the endpoint it went to. */
    record Publication(String callId, PushKind kind, String targetArn) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ERROR_CODE = Pattern.compile("<Code>([^<]*)</Code>");

    private SnsJournal() {}

    /** Every request the stub at {@code endpoint} logged, in no particular order. */
    static List<Request> read(URI endpoint) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve("/__admin/requests"))
                .timeout(Duration.ofMinutes(2)).GET().build();
        JsonNode journal;
        try {
            HttpResponse<java.io.InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (var body = response.body()) {
                journal = JSON.readTree(body);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        List<Request> requests = new ArrayList<>();
        for (Iterator<JsonNode> events = journal.path("requests").elements(); events.hasNext();) {
            JsonNode event = events.next();
            Map<String, String> form = SnsStub.form(event.path("request").path("body").asText(""));
            JsonNode response = event.path("response");
            int status = response.path("status").asInt(0);
            String errorCode = null;
            if (status != 200) {
                Matcher code = ERROR_CODE.matcher(response.path("body").asText(""));
                errorCode = code.find() ? code.group(1) : null;
            }
            requests.add(new Request(form, status, errorCode));
        }
        return requests;
    }

    /**
     * The push a Publish form carries: the platform's payload under its key of the {@code MessageStructure=json}
     * message (APNs: {@code type} and {@code callId} at the top; FCM: under {@code fcmV1Message.message.data}),
     * its {@code type} mapped back to the kind ({@link PushMessages}). Empty for a Publish this project would not
     * send.
     */
    static Optional<Publication> publication(Map<String, String> publish) {
        try {
            JsonNode message = JSON.readTree(publish.getOrDefault("Message", ""));
            for (Iterator<Map.Entry<String, JsonNode>> fields = message.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("default")) {
                    continue;
                }
                Optional<PushMessages.Read> push = PushMessages.read(field.getValue().asText());
                Optional<PushKind> kind = push.flatMap(PushMessages.Read::kind);
                if (kind.isPresent()) {
                    return Optional.of(new Publication(push.get().callId(), kind.get(), publish.get("TargetArn")));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
