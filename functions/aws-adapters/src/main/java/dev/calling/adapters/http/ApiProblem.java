package dev.calling.adapters.http;

import dev.calling.core.app.Refusal;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP APIs' errors (the apps' call API and the operator API) as RFC 9457 problem details
 * ({@code application/problem+json}): a stable {@code type} URI per kind of problem (listed in docs/openapi.yaml
 * and docs/operator-openapi.yaml), the HTTP status, a title that names the kind and a detail that says what to fix.
 */
public record ApiProblem(String type, String title, int status, String detail, String instance) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://calling.dev/problems/";

    /** The problem kinds of the API that do not come from the domain. */
    public enum Kind {
        MALFORMED_JSON(400, "malformed-json", "Malformed JSON"),
        UNAUTHORIZED(401, "unauthorized", "Unauthorized"),
        NOT_FOUND(404, "not-found", "No such resource"),
        METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
        PAYLOAD_TOO_LARGE(413, "payload-too-large", "Request body too large"),
        UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
        SERVICE_UNAVAILABLE(503, "service-unavailable", "Service unavailable, retry shortly"),
        INTERNAL(500, "internal-error", "Internal error");

        public final int status;
        final String slug;
        final String title;

        Kind(int status, String slug, String title) {
            this.status = status;
            this.slug = slug;
            this.title = title;
        }
    }

    private record Mapping(int status, String slug, String title) {}

    private static final Map<Refusal, Mapping> REFUSALS = Map.ofEntries(
            Map.entry(Refusal.INVALID_REQUEST, new Mapping(400, "invalid-request", "Invalid request")),
            Map.entry(Refusal.INVALID_PHONE_NUMBER, new Mapping(400, "invalid-phone-number", "Invalid phone number")),
            Map.entry(Refusal.CALL_NOT_FOUND, new Mapping(404, "call-not-found", "No such call")),
            Map.entry(Refusal.NOT_ALLOWED, new Mapping(403, "not-allowed", "Not allowed for your side of the call")),
            Map.entry(Refusal.WRONG_STATE, new Mapping(409, "wrong-state", "The call is not in a state for this")),
            Map.entry(Refusal.NOT_CONNECTED, new Mapping(409, "not-connected", "No live connection")),
            Map.entry(Refusal.NO_MEDIA, new Mapping(404, "no-media", "No media to join on this call")),
            Map.entry(Refusal.IDEMPOTENCY_KEY_REUSED, new Mapping(422, "idempotency-key-reused",
                    "Idempotency-Key reused for a different request")),
            Map.entry(Refusal.TOO_MANY_DEVICES, new Mapping(409, "too-many-devices", "Too many devices registered")),
            Map.entry(Refusal.EMERGENCY_CALLS_NOT_SUPPORTED, new Mapping(422, "emergency-calls-not-supported",
                    "Emergency calls are not supported")),
            Map.entry(Refusal.TOO_MANY_CALL_ATTEMPTS, new Mapping(429, "too-many-call-attempts",
                    "Too many calls placed this minute")),
            Map.entry(Refusal.TOO_MANY_BLOCKED, new Mapping(409, "too-many-blocked", "Too many users blocked")),
            Map.entry(Refusal.OPERATION_ID_REUSED, new Mapping(409, "operation-id-reused",
                    "Operation id reused for a different operation")),
            Map.entry(Refusal.INSUFFICIENT_AVAILABLE_BALANCE, new Mapping(409, "insufficient-available-balance",
                    "Not that much available")),
            Map.entry(Refusal.CARRIER_NOT_FOUND, new Mapping(404, "carrier-not-found", "No such carrier")),
            Map.entry(Refusal.RATE_DECK_REFUSED, new Mapping(422, "rate-deck-refused", "Rate deck refused")),
            Map.entry(Refusal.RATE_DECK_IN_EFFECT, new Mapping(409, "rate-deck-in-effect",
                    "A deck in effect is never replaced")));

    /** Refusals only the operator API gives (the apps' API never moves money by an operator's id). */
    public static final Set<Refusal> OPERATOR_ONLY = EnumSet.of(Refusal.OPERATION_ID_REUSED,
            Refusal.INSUFFICIENT_AVAILABLE_BALANCE, Refusal.CARRIER_NOT_FOUND, Refusal.RATE_DECK_REFUSED,
            Refusal.RATE_DECK_IN_EFFECT);

    public static ApiProblem of(Kind kind, String detail, String instance) {
        return new ApiProblem(TYPE_BASE + kind.slug, kind.title, kind.status, detail, instance);
    }

    public static ApiProblem of(Refusal refusal, String detail, String instance) {
        Mapping mapping = REFUSALS.get(refusal);
        return new ApiProblem(TYPE_BASE + mapping.slug(), mapping.title(), mapping.status(), detail, instance);
    }
}
