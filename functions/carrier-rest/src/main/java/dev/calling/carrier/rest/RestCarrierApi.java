package dev.calling.carrier.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The carrier's HTTP API as docs/carrier-rest-api.md defines it, through the JDK's HTTP client
 * (no extra dependency in the Lambda zip). It only speaks HTTP; what a reply means for the call is
 * decided by {@link RestCarrier}.
 */
public final class RestCarrierApi {

    /** What became of a dial request. */
    public sealed interface DialReply {
        /** The carrier created (or, for a repeated idempotency key, had already created) call {@code carrierCallId}. */
        record Placed(String carrierCallId) implements DialReply {}

        /**
         * No call id came back. {@code sipCode} classifies it for the state machine: the HTTP 5xx
         * code, 503 for 429 (overloaded), else 0 (timeout, transport error, unreadable reply).
         */
        record NotPlaced(int sipCode, String cause) implements DialReply {}
    }

    /**
     * A carrier call as {@code GET /v1/calls/{id}} describes it: its {@code status} (the status callbacks'
     * vocabulary, or {@code queued}) and {@code endedAt}, the carrier's own end time, null while the call
     * is up (or when the carrier left it out).
     */
    public record CallState(String status, Instant endedAt) {
        /** Whether the carrier's call is over: its status is a final one ({@link CarrierStatus#isFinal}). */
        public boolean ended() {
            return CarrierStatus.fromWire(status).map(CarrierStatus::isFinal).orElse(false);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RestCarrierConfig config;
    private final HttpClient http;

    public RestCarrierApi(RestCarrierConfig config) {
        this.config = config;
        // HTTP/1.1 explicitly: no h2c upgrade dance with plain-HTTP endpoints (stubs, proxies).
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout()).build();
    }

    public RestCarrierConfig config() {
        return config;
    }

    /**
     * {@code POST /v1/calls}. Never throws for the carrier's failures: they come back as
     * {@link DialReply.NotPlaced} so the caller can fail the attempt over.
     */
    public DialReply placeCall(String to, ClientReference reference) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("to", to);
        body.put("from", config.fromNumber());
        body.put("clientReference", reference.toString());
        body.put("statusCallbackUrl", config.statusCallbackUrl().toString());
        HttpResponse<String> response;
        try {
            response = send(request("/v1/calls").header("Idempotency-Key", reference.toString())
                    .header("Content-Type", "application/json").POST(json(body)));
        } catch (ApiKeyUnavailable e) {
            // Nothing was sent, so certainly no call: fail over.
            return new DialReply.NotPlaced(0, config.providerId() + " " + e.getMessage());
        } catch (HttpTimeoutException e) {
            return new DialReply.NotPlaced(0, config.providerId() + " did not answer within its timeout");
        } catch (IOException e) {
            return new DialReply.NotPlaced(0, config.providerId() + " unreachable: " + e);
        }
        int status = response.statusCode();
        if (status == 200 || status == 201) {
            String callId = carrierCallId(response.body());
            return callId != null
                    ? new DialReply.Placed(callId)
                    : new DialReply.NotPlaced(0, config.providerId() + " answered HTTP " + status + " without a usable callId");
        }
        int sipCode = status >= 500 && status <= 599 ? status : status == 429 ? 503 : 0;
        return new DialReply.NotPlaced(sipCode, config.providerId() + " refused the call: HTTP " + status);
    }

    /**
     * {@code POST /v1/calls/{id}/bridge}: connect the carrier's call to {@code sipUri}. Returns
     * false when the call has already ended (404, 409): there is nothing left to bridge, and the
     * carrier's hangup callback ends our call, so retrying would only fill the dead-letter queue.
     */
    public boolean bridge(String carrierCallId, String sipUri) {
        HttpResponse<String> response = sendOrThrow(request(callPath(carrierCallId, "bridge"))
                .header("Content-Type", "application/json").POST(json(Map.of("sipUri", sipUri))), "bridge");
        if (response.statusCode() == 404 || response.statusCode() == 409) {
            return false;
        }
        if (!isSuccess(response.statusCode())) {
            throw new CarrierApiException(config.providerId() + " refused to bridge call " + carrierCallId + ": HTTP "
                    + response.statusCode());
        }
        return true;
    }

    /**
     * {@code POST /v1/calls/{id}/hangup}. Returns false when the call had already ended (404, 409):
     * for a hangup that is success.
     */
    public boolean hangUp(String carrierCallId) {
        HttpResponse<String> response = sendOrThrow(request(callPath(carrierCallId, "hangup"))
                .POST(HttpRequest.BodyPublishers.noBody()), "hangup");
        int status = response.statusCode();
        if (status == 404 || status == 409) {
            return false;
        }
        if (!isSuccess(status)) {
            throw new CarrierApiException(config.providerId() + " refused to hang up call " + carrierCallId + ": HTTP "
                    + status);
        }
        return true;
    }

    /**
     * {@code GET /v1/calls/{id}}: the call's current status. Empty when the carrier does not know the call
     * (404). Throws {@link CarrierApiException} when the carrier fails (any other non-2xx, no answer, a
     * reply without a {@code status}): nothing can be concluded, the caller asks again later.
     */
    public Optional<CallState> callStatus(String carrierCallId) {
        HttpResponse<String> response = sendOrThrow(request("/v1/calls/"
                + URLEncoder.encode(carrierCallId, StandardCharsets.UTF_8)).GET(), "status request");
        int status = response.statusCode();
        if (status == 404) {
            return Optional.empty();
        }
        if (!isSuccess(status)) {
            throw new CarrierApiException(config.providerId() + " refused the status of call " + carrierCallId + ": HTTP "
                    + status);
        }
        JsonNode call;
        try {
            call = JSON.readTree(response.body());
        } catch (JsonProcessingException | RuntimeException e) {
            call = null;
        }
        JsonNode callStatus = call == null ? null : call.path("status");
        if (callStatus == null || !callStatus.isTextual()) {
            throw new CarrierApiException(config.providerId() + " answered the status of call " + carrierCallId
                    + " with HTTP " + status + " but no usable status");
        }
        return Optional.of(new CallState(callStatus.asText(), instant(call.path("endedAt"))));
    }

    /** An ISO-8601 instant ({@code 2026-11-23T10:03:12Z}), or null when absent or unreadable. */
    private static Instant instant(JsonNode node) {
        if (!node.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A request to the API; {@link #send} adds the API key. */
    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(config.baseUrl() + path)).timeout(config.requestTimeout())
                .header("Accept", "application/json");
    }

    private static String callPath(String carrierCallId, String action) {
        return "/v1/calls/" + URLEncoder.encode(carrierCallId, StandardCharsets.UTF_8) + "/" + action;
    }

    private HttpResponse<String> sendOrThrow(HttpRequest.Builder request, String what) {
        try {
            return send(request);
        } catch (IOException e) {
            throw new CarrierApiException(config.providerId() + " " + what + " failed: " + e, e);
        } catch (ApiKeyUnavailable e) {
            throw new CarrierApiException(config.providerId() + " " + what + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends a request with the API key; when the carrier answers 401 or 403 (the key was rotated) and
     * a fresh key is read, sends it once more with that key. A refused request created nothing, so even
     * a dial may be repeated (and it carries its idempotency key).
     */
    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        HttpResponse<String> response = exchange(request.copy().header("Authorization", bearer()).build());
        if ((response.statusCode() == 401 || response.statusCode() == 403) && config.apiKey().refused()) {
            response = exchange(request.copy().header("Authorization", bearer()).build());
        }
        return response;
    }

    private String bearer() {
        try {
            return "Bearer " + config.apiKey().get();
        } catch (RuntimeException e) {
            throw new ApiKeyUnavailable(e);
        }
    }

    /** The API key cannot be had (Secrets Manager unreachable before its first read, a malformed secret). */
    static final class ApiKeyUnavailable extends RuntimeException {
        ApiKeyUnavailable(RuntimeException cause) {
            super("API key unavailable: " + cause.getClass().getSimpleName(), cause);
        }
    }

    private HttpResponse<String> exchange(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static HttpRequest.BodyPublisher json(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }

    /** The reply's {@code callId}, or null when the reply is not JSON or the id is missing or malformed. */
    private static String carrierCallId(String body) {
        try {
            JsonNode id = JSON.readTree(body).path("callId");
            return id.isTextual() && CarrierCallIds.isValid(id.asText()) ? id.asText() : null;
        } catch (JsonProcessingException | RuntimeException e) {
            return null;
        }
    }
}
