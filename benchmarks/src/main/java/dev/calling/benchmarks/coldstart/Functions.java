package dev.calling.benchmarks.coldstart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.carrier.rest.WebhookSignature;
import dev.calling.embedded.SecretsManagerStub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The eight functions as infra-cdk's {@code CallingServiceStack} deploys them (memory sizes from
 * there), each with the settings a deployment would give it and the sample event it is measured with.
 */
final class Functions {

    static final String WEBHOOK_SECRET = "whsec_benchmark_only";
    static final String API_KEY_SECRET_ID = "calling/benchmark/atlas/api-key";
    static final String WEBHOOK_SECRET_ID = "calling/benchmark/acme/webhook";

    /** The secrets the functions' settings name, put into the Secrets Manager stub they read. */
    static SecretsManagerStub secrets(SecretsManagerStub stub) {
        return stub.put(API_KEY_SECRET_ID, "{\"apiKey\":\"benchmark-only-key\"}")
                .put(WEBHOOK_SECRET_ID, "{\"webhookSecrets\":[\"" + WEBHOOK_SECRET + "\"]}");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Functions() {}

    /**
     * @param issuer signs the authorizer's tokens; its JWKS is served at {@code jwksUrl}
     */
    static List<FunctionUnderTest> all(DevTokenIssuer issuer, String jwksUrl) {
        return List.of(
                new FunctionUnderTest("SessionService", "session-service", null, 512,
                        "session-service/connection-events.json", List.of("conn-evt-"), List.of(), Map.of(), null),
                // One REST carrier, priced by a packaged deck, as the deployed stack has carriers: its rate
                // deck is loaded when the call state manager is built. The call itself is VoIP.
                new FunctionUnderTest("CallStateManager", "call-state-manager", null, 1024,
                        "call-state-manager/call-requested.json", List.of(), List.of("alice", "bob"), Map.of(
                                "CALLING_CARRIER_IDS", "atlas",
                                "CALLING_CARRIERS_ATLAS_ADAPTER", "REST",
                                "CALLING_CARRIERS_ATLAS_RATE_DECK", "rate-decks/atlas.csv.gz",
                                "CALLING_CARRIERS_ATLAS_FROM_NUMBER", "+12065550100",
                                "CALLING_CARRIERS_ATLAS_BASE_URL", "http://127.0.0.1:9",
                                "CALLING_CARRIERS_ATLAS_API_KEY_SECRET_ID", API_KEY_SECRET_ID,
                                "CALLING_CARRIERS_ATLAS_STATUS_CALLBACK_URL",
                                "https://hooks.example.invalid/carrier-webhooks/atlas",
                                "CALLING_CARRIERS_ATLAS_BRIDGE_SIP_URI", "sip:{connectionId}@media.example.invalid"),
                        null),
                new FunctionUnderTest("SipMediaHandler", "sip-media-handler", null, 1024,
                        "sip-media-handler/new-outbound-call.json", List.of("a1b2c3d4-1111-4a5b-8c9d-000000000001"), List.of(),
                        Map.of("CALLING_CHIME_SIP_MEDIA_APPLICATION_ID", "5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60",
                                "CALLING_CHIME_FROM_PHONE_NUMBER", "+12065550100",
                                "CALLING_CHIME_VOICE_CONNECTOR_ARN",
                                "arn:aws:chime:us-east-1:123456789012:vc/abcdefghijklmnopqrstuv"),
                        null),
                new FunctionUnderTest("CarrierWebhook", "carrier-webhook", null, 512,
                        "carrier-webhook/ringing.json", List.of("req-ringing"), List.of(),
                        Map.of("CALLING_CARRIERS_ACME_WEBHOOK_SECRET_ID", WEBHOOK_SECRET_ID), Functions::resign),
                // The day has no call detail records: the export writes an empty CSV and its manifest.
                new FunctionUnderTest("BillingExport", "billing-export", null, 2048,
                        "billing-export/manual-rerun.json", List.of(), List.of(), Map.of(), null),
                new FunctionUnderTest("CallApi", "call-api", null, 1024,
                        "call-api/place-call.json", List.of("7c9e6679-7425-40de-944b-e07fc1f90ae7", "Tk3cAj2NIAMEVxw="),
                        List.of("alice", "bob"), Map.of(), null),
                new FunctionUnderTest("Realtime", "realtime", "Realtime", 512,
                        "realtime/connect.json", List.of("Tk3aVdUxoAMCK2A=", "Tk3aVFmCIAMFZ8A="), List.of(), Map.of(), null),
                new FunctionUnderTest("RealtimeAuthorizer", "realtime", "RealtimeAuthorizer", 512,
                        "realtime/authorizer-request.json", List.of("Tk3aVdUxoAMCK2A=", "Tk3aVFmCIAMFZ8A="), List.of(),
                        Map.of("CALLING_AUTH_ISSUER", DevTokenIssuer.ISSUER,
                                "CALLING_AUTH_AUDIENCE", DevTokenIssuer.AUDIENCE,
                                "CALLING_AUTH_JWKS_URL", jwksUrl),
                        (event, prefix) -> withToken(event, issuer.mint(prefix + "alice", Duration.ofHours(1)))));
    }

    /** A fresh timestamp and signature: the webhook refuses callbacks older than five minutes. */
    private static byte[] resign(byte[] event, String prefix) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(event);
        String body = root.path("body").asText();
        byte[] raw = root.path("isBase64Encoded").asBoolean() ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        ObjectNode headers = (ObjectNode) root.path("headers");
        headers.put(WebhookSignature.TIMESTAMP_HEADER.toLowerCase(), Long.toString(now));
        headers.put(WebhookSignature.SIGNATURE_HEADER.toLowerCase(), WebhookSignature.sign(WEBHOOK_SECRET, now, raw));
        return JSON.writeValueAsBytes(root);
    }

    /** The authorizer reads the token from the query string ({@code ?token=}), as the apps send it. */
    private static byte[] withToken(byte[] event, String token) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(event);
        ((ObjectNode) root.path("queryStringParameters")).put("token", token);
        if (root.path("multiValueQueryStringParameters").isObject()) {
            ((ObjectNode) root.path("multiValueQueryStringParameters")).putArray("token").add(token);
        }
        return JSON.writeValueAsBytes(root);
    }
}
