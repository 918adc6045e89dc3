package dev.calling.embedded;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A stub of the SNS Query API's mobile push actions on a loopback port, for the real SDK client: form-encoded
 * POSTs to {@code /}, XML answers. Shapes from the SNS API reference
 * (https://docs.aws.amazon.com/sns/latest/api/API_CreatePlatformEndpoint.html, API_Publish.html,
 * API_SetEndpointAttributes.html, API_DeleteEndpoint.html, CommonErrors.html): a result element inside
 * {@code <Action>Response} with {@code ResponseMetadata/RequestId}; errors as
 * {@code ErrorResponse/Error/{Type,Code,Message}} with the documented HTTP status.
 *
 * <p>It behaves as SNS does where the push sender relies on it: CreatePlatformEndpoint answers the same ARN
 * for the same application and token, and refuses a token registered with another {@code CustomUserData}
 * with the documented InvalidParameter ("Endpoint ... already exists with the same Token, but different
 * attributes."); Publish to a disabled endpoint is EndpointDisabled, to a deleted one NotFound. Faults are
 * scripted per token. A push SNS accepted is handed to {@link #onDelivery the devices' push service}.
 */
public final class SnsStub implements AutoCloseable {

    public static final String ACCOUNT = "123456789012";
    public static final String NS = "http://sns.amazonaws.com/doc/2010-03-31/";
    private static final String TRANSFORMER = "sns-query-api";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Endpoint(String arn, String application, String token, Map<String, String> attributes) {}

    /** A scripted answer to a Publish: an error, or a delay. */
    private record Fault(int status, String code, String message, Duration delay) {}

    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>(); // by ARN
    private final Map<String, Deque<Fault>> publishFaults = new HashMap<>(); // by token
    private final Map<String, Fault> alwaysOnPublish = new HashMap<>(); // by token
    private final Set<String> refusedTokens = new HashSet<>();
    private final WireMockServer server;
    private volatile Consumer<Delivery> devices = delivery -> {};
    private final ExecutorService deliveries = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "sns-stub-deliveries");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * What SNS hands to APNs or FCM for one published push, as the device receives it: the platform's payload
     * (the string under the platform's key of a {@code MessageStructure=json} message, else the message).
     *
     * @param platform the platform of the endpoint's application, as in its ARN ({@code APNS_VOIP}, {@code GCM}, ...)
     * @param attributes the Publish's String message attributes (push type, priority, TTL)
     */
    public record Delivery(String token, String platform, String payload, Map<String, String> attributes) {}

    private SnsStub() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").extensions(new Behaviour()));
        server.start();
        server.stubFor(post(urlEqualTo("/")).willReturn(aResponse().withTransformers(TRANSFORMER)));
    }

    public static SnsStub start() {
        return new SnsStub();
    }

    /**
     * Hands every push that SNS accepted to {@code pushService} (standing in for APNs and FCM, which deliver to
     * the phone), one at a time on a thread of the stub's own, after the Publish was answered.
     */
    public SnsStub onDelivery(Consumer<Delivery> pushService) {
        this.devices = pushService;
        return this;
    }

    public URI endpoint() {
        return URI.create(server.baseUrl());
    }

    public static String application(String platform, String name) {
        return "arn:aws:sns:us-east-1:" + ACCOUNT + ":app/" + platform + "/" + name;
    }

    public synchronized void reset() {
        endpoints.clear();
        publishFaults.clear();
        alwaysOnPublish.clear();
        refusedTokens.clear();
        server.resetRequests();
    }

    /** Requests of {@code action}, oldest first, as their decoded form parameters. */
    public List<Map<String, String>> requests(String action) {
        return server.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
                .map(request -> form(request.getBodyAsString()))
                .filter(form -> action.equals(form.get("Action"))).toList();
    }

    /** The Publish requests to {@code token}'s endpoint. */
    public List<Map<String, String>> publishesTo(String token) {
        return requests("Publish").stream().filter(p -> token.equals(tokenOf(p.get("TargetArn")))).toList();
    }

    public synchronized String tokenOf(String endpointArn) {
        Endpoint endpoint = endpoints.get(endpointArn);
        return endpoint == null ? null : endpoint.token();
    }

    public synchronized String endpointOf(String token) {
        return endpoints.values().stream().filter(e -> e.token().equals(token)).map(Endpoint::arn).findFirst()
                .orElse(null);
    }

    public synchronized Map<String, String> attributesOf(String endpointArn) {
        return Map.copyOf(endpoints.get(endpointArn).attributes());
    }

    /** SNS disabled the token's endpoint (APNs / FCM told it the token is no longer valid). */
    public synchronized void disable(String token) {
        endpoints.values().stream().filter(e -> e.token().equals(token))
                .forEach(e -> e.attributes().put("Enabled", "false"));
    }

    /** An endpoint SNS has for the token already, made for another owner. */
    public synchronized String existingEndpoint(String application, String token, String customUserData, boolean enabled) {
        Endpoint endpoint = create(application, token, customUserData);
        endpoint.attributes().put("Enabled", Boolean.toString(enabled));
        return endpoint.arn();
    }

    /** CreatePlatformEndpoint refuses the token (InvalidParameter about the Token). */
    public synchronized void refuseToken(String token) {
        refusedTokens.add(token);
    }

    /** The next {@code times} Publish requests to the token fail with {@code status} and {@code code}. */
    public synchronized void failPublish(String token, int status, String code, int times) {
        Deque<Fault> faults = publishFaults.computeIfAbsent(token, t -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            faults.add(new Fault(status, code, code + " (stub)", Duration.ZERO));
        }
    }

    /** Every Publish to the token fails with {@code status} and {@code code}. */
    public synchronized void alwaysFailPublish(String token, int status, String code) {
        alwaysOnPublish.put(token, new Fault(status, code, code + " (stub)", Duration.ZERO));
    }

    /** Publish to the token works again. */
    public synchronized void heal(String token) {
        alwaysOnPublish.remove(token);
        publishFaults.remove(token);
    }

    /** The next Publish to the token is taken (and counted) but answered only after {@code delay}. */
    public synchronized void delayPublish(String token, Duration delay) {
        publishFaults.computeIfAbsent(token, t -> new ArrayDeque<>()).add(new Fault(200, null, null, delay));
    }

    @Override
    public void close() {
        deliveries.shutdownNow();
        server.stop();
    }

    private void deliver(Endpoint endpoint, Map<String, String> publish) {
        String platform = endpoint.arn().split(":endpoint/", 2)[1].split("/", 2)[0];
        String payload = publish.getOrDefault("Message", "");
        if ("json".equals(publish.get("MessageStructure"))) {
            try {
                JsonNode message = JSON.readTree(payload);
                payload = message.has(platform) ? message.get(platform).asText() : message.path("default").asText();
            } catch (java.io.IOException e) {
                return; // SNS refuses such a Publish; this stub answered it, but nothing reaches a device
            }
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        messageAttributes(publish).forEach((name, typeAndValue) -> attributes.put(name, typeAndValue.get(1)));
        Delivery delivery = new Delivery(endpoint.token(), platform, payload, attributes);
        Consumer<Delivery> pushService = devices;
        try {
            deliveries.execute(() -> {
                try {
                    pushService.accept(delivery);
                } catch (RuntimeException e) {
                    System.getLogger(SnsStub.class.getName()).log(System.Logger.Level.WARNING,
                            "push delivery to a device failed: " + e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closing: the phone is gone
        }
    }

    private Endpoint create(String application, String token, String customUserData) {
        String[] parts = application.split(":app/", 2)[1].split("/", 2);
        String arn = "arn:aws:sns:us-east-1:" + ACCOUNT + ":endpoint/" + parts[0] + "/" + parts[1] + "/"
                + UUID.nameUUIDFromBytes((application + token).getBytes(StandardCharsets.UTF_8));
        Map<String, String> attributes = new HashMap<>();
        attributes.put("Enabled", "true");
        attributes.put("Token", token);
        if (customUserData != null) {
            attributes.put("CustomUserData", customUserData);
        }
        Endpoint endpoint = new Endpoint(arn, application, token, attributes);
        endpoints.put(arn, endpoint);
        return endpoint;
    }

    public static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body == null || body.isEmpty()) {
            return form;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            form.put(name, value);
        }
        return form;
    }

    /** The {@code MessageAttributes.entry.N.*} of a Publish request as name → (DataType, StringValue). */
    public static Map<String, List<String>> messageAttributes(Map<String, String> publish) {
        Map<String, List<String>> attributes = new LinkedHashMap<>();
        for (int n = 1; publish.containsKey("MessageAttributes.entry." + n + ".Name"); n++) {
            String prefix = "MessageAttributes.entry." + n + ".";
            attributes.put(publish.get(prefix + "Name"),
                    List.of(publish.get(prefix + "Value.DataType"), publish.get(prefix + "Value.StringValue")));
        }
        return attributes;
    }

    private static ResponseDefinition ok(String action, String result) {
        String xml = "<" + action + "Response xmlns=\"" + NS + "\">"
                + (result == null ? "" : "<" + action + "Result>" + result + "</" + action + "Result>")
                + "<ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata></" + action
                + "Response>";
        return new ResponseDefinitionBuilder().withStatus(200).withHeader("Content-Type", "text/xml")
                .withBody(xml).build();
    }

    public static ResponseDefinition error(int status, String code, String message) {
        String xml = "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>" + (status >= 500 ? "Receiver" : "Sender")
                + "</Type><Code>" + code + "</Code><Message>" + message + "</Message></Error><RequestId>"
                + UUID.randomUUID() + "</RequestId></ErrorResponse>";
        return new ResponseDefinitionBuilder().withStatus(status).withHeader("Content-Type", "text/xml")
                .withBody(xml).build();
    }

    private final class Behaviour implements ResponseDefinitionTransformerV2 {

        @Override
        public String getName() {
            return TRANSFORMER;
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Map<String, String> form = form(event.getRequest().getBodyAsString());
            synchronized (SnsStub.this) {
                String action = form.getOrDefault("Action", "");
                switch (action) {
                    case "CreatePlatformEndpoint":
                        return createPlatformEndpoint(form);
                    case "SetEndpointAttributes":
                        return setEndpointAttributes(form);
                    case "DeleteEndpoint":
                        endpoints.remove(form.get("EndpointArn")); // idempotent, as documented
                        return ok("DeleteEndpoint", null);
                    case "Publish":
                        return publish(form);
                    default:
                        return error(400, "InvalidAction", "no action " + action + " in this stub");
                }
            }
        }

        private ResponseDefinition createPlatformEndpoint(Map<String, String> form) {
            String application = form.get("PlatformApplicationArn");
            String token = form.get("Token");
            if (application == null || token == null) {
                return error(400, "InvalidParameter", "Invalid parameter: PlatformApplicationArn or Token missing");
            }
            if (refusedTokens.contains(token)) {
                return error(400, "InvalidParameter", "Invalid parameter: Token Reason: not a valid token for " + application);
            }
            String customUserData = form.get("CustomUserData");
            for (Endpoint existing : endpoints.values()) {
                if (existing.application().equals(application) && existing.token().equals(token)) {
                    if (!java.util.Objects.equals(existing.attributes().get("CustomUserData"), customUserData)) {
                        return error(400, "InvalidParameter", "Invalid parameter: Token Reason: Endpoint "
                                + existing.arn() + " already exists with the same Token, but different attributes.");
                    }
                    return ok("CreatePlatformEndpoint", "<EndpointArn>" + existing.arn() + "</EndpointArn>");
                }
            }
            return ok("CreatePlatformEndpoint", "<EndpointArn>" + create(application, token, customUserData).arn()
                    + "</EndpointArn>");
        }

        private ResponseDefinition setEndpointAttributes(Map<String, String> form) {
            Endpoint endpoint = endpoints.get(form.get("EndpointArn"));
            if (endpoint == null) {
                return error(404, "NotFound", "Endpoint does not exist");
            }
            for (int n = 1; form.containsKey("Attributes.entry." + n + ".key"); n++) {
                endpoint.attributes().put(form.get("Attributes.entry." + n + ".key"),
                        form.get("Attributes.entry." + n + ".value"));
            }
            return ok("SetEndpointAttributes", null);
        }

        private ResponseDefinition publish(Map<String, String> form) {
            Endpoint endpoint = endpoints.get(form.get("TargetArn"));
            if (endpoint == null) {
                return error(404, "NotFound", "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified");
            }
            Fault fault = alwaysOnPublish.get(endpoint.token());
            if (fault == null) {
                Deque<Fault> scripted = publishFaults.get(endpoint.token());
                fault = scripted == null ? null : scripted.poll();
            }
            if (fault != null && fault.code() != null) {
                return error(fault.status(), fault.code(), fault.message());
            }
            if (!"true".equals(endpoint.attributes().get("Enabled"))) {
                return error(400, "EndpointDisabled", "Endpoint is disabled");
            }
            deliver(endpoint, form);
            ResponseDefinition sent = ok("Publish", "<MessageId>" + UUID.randomUUID() + "</MessageId>");
            if (fault != null && !fault.delay().isZero()) {
                return ResponseDefinitionBuilder.like(sent).withFixedDelay((int) fault.delay().toMillis()).build();
            }
            return sent;
        }
    }
}
