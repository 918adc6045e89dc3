package dev.calling.carrier.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One status callback's body, read strictly (see docs/carrier-rest-api.md), and the call event it
 * means. The carrier numbers every callback of a call 1, 2, 3 ... without gaps, which is exactly
 * what the state machine expects of a switch, so {@code sequence} is used as the switch sequence
 * unchanged and the event id is derived from (provider, carrier call, sequence): a repeated
 * callback yields the identical event.
 *
 * @param status the raw status text; {@link #toEvent} refuses values it does not know
 */
public record StatusCallback(String carrierCallId, ClientReference reference, long sequence, String status,
        Integer sipCode, String hungUpBy, Instant at) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The body does not follow the protocol. */
    public static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    /** The status is not one the protocol defines (a newer carrier?). */
    public static final class UnknownStatus extends Exception {
        UnknownStatus(String message) {
            super(message);
        }
    }

    public static StatusCallback parse(byte[] body) throws Malformed {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new Malformed("body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Malformed("body is not a JSON object");
        }
        String callId = text(root, "callId");
        if (!CarrierCallIds.isValid(callId)) {
            throw new Malformed("callId must be 1-128 letters, digits, '_' or '-'");
        }
        ClientReference reference;
        try {
            reference = ClientReference.parse(text(root, "clientReference"));
        } catch (IllegalArgumentException e) {
            throw new Malformed(e.getMessage());
        }
        JsonNode sequence = root.path("sequence");
        if (!sequence.isIntegralNumber() || sequence.asLong() < 1) {
            throw new Malformed("sequence must be an integer >= 1");
        }
        JsonNode sip = root.path("sipCode");
        if (!sip.isMissingNode() && !sip.isNull() && !sip.isInt()) {
            throw new Malformed("sipCode must be an integer");
        }
        Instant at;
        try {
            at = Instant.parse(text(root, "timestamp"));
        } catch (DateTimeParseException e) {
            throw new Malformed("timestamp must be ISO-8601 UTC, e.g. 2026-11-23T10:00:00Z");
        }
        JsonNode hungUpBy = root.path("hungUpBy");
        return new StatusCallback(callId, reference, sequence.asLong(), text(root, "status"),
                sip.isInt() ? sip.asInt() : null, hungUpBy.isTextual() ? hungUpBy.asText() : null, at);
    }

    private static String text(JsonNode root, String field) throws Malformed {
        JsonNode node = root.path(field);
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new Malformed(field + " is required (a string)");
        }
        return node.asText();
    }

    public CarrierStatus carrierStatus() throws UnknownStatus {
        return CarrierStatus.fromWire(status).orElseThrow(() -> new UnknownStatus("unknown status '" + status
                + "'; expected ringing, answered, completed, busy, no-answer, declined, failed or canceled"));
    }

    /**
     * The call event this callback means. PSTN outcomes the callee chose end the call without
     * failover (busy 486, declined 603, no-answer 487: MISSED); a {@code failed} call carries the
     * carrier's SIP code, where 408, 5xx or none (0) make the state machine try the next carrier.
     */
    public CallEvent toEvent(String providerId) throws UnknownStatus, Malformed {
        String eventId = providerId + ":" + carrierCallId + ":" + sequence;
        String callId = reference.callId();
        int attempt = reference.attempt();
        return switch (carrierStatus()) {
            case RINGING -> new CallEvent.CallRinging(eventId, callId, at, attempt, sequence);
            case ANSWERED -> new CallEvent.CallAnswered(eventId, callId, at, attempt, sequence, carrierCallId);
            case COMPLETED -> new CallEvent.CallHungUp(eventId, callId, at, attempt, sequence, party());
            case CANCELED -> new CallEvent.CallHungUp(eventId, callId, at, attempt, sequence, Party.CALLER);
            case BUSY -> failed(eventId, 486, "busy");
            case DECLINED -> failed(eventId, 603, "declined");
            case NO_ANSWER -> failed(eventId, 487, "no answer");
            case FAILED -> failed(eventId, sipCode == null ? 0 : sipCode, providerId + " reported the call failed");
        };
    }

    private CallEvent failed(String eventId, int sip, String cause) {
        return new CallEvent.CallFailed(eventId, reference.callId(), at, reference.attempt(), sequence, sip, cause);
    }

    private Party party() throws Malformed {
        if ("caller".equals(hungUpBy)) {
            return Party.CALLER;
        }
        if ("callee".equals(hungUpBy)) {
            return Party.CALLEE;
        }
        throw new Malformed("a completed call needs hungUpBy: caller or callee");
    }
}
