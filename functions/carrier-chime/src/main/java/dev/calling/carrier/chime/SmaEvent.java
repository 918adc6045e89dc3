package dev.calling.carrier.chime;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A PSTN audio telephony event: what Chime SDK Voice sends the SIP media application's Lambda
 * each time something happens on a call (the fields this system reads; others are ignored).
 *
 * @param sequence Chime's count of invocations of this transaction, incremented on every one,
 *     including those that produce no call event
 * @param errorType with {@code errorMessage}: set on {@code INVALID_LAMBDA_RESPONSE} (Chime also
 *     puts them into {@code ActionData}; see {@link #error()})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SmaEvent(
        @JsonProperty("SchemaVersion") String schemaVersion,
        @JsonProperty("Sequence") Long sequence,
        @JsonProperty("InvocationEventType") String invocationEventType,
        @JsonProperty("ActionData") ActionData actionData,
        @JsonProperty("CallDetails") CallDetails callDetails,
        @JsonProperty("ErrorType") String errorType,
        @JsonProperty("ErrorMessage") String errorMessage) {

    public SmaEvent {
        if (callDetails == null) {
            throw new IllegalArgumentException("CallDetails is missing");
        }
        if (callDetails.transactionId() == null || callDetails.transactionId().isBlank()) {
            throw new IllegalArgumentException("CallDetails.TransactionId is missing");
        }
        if (sequence == null || sequence < 1) {
            throw new IllegalArgumentException("Sequence is missing or not positive: " + sequence);
        }
        if (invocationEventType == null || invocationEventType.isBlank()) {
            throw new IllegalArgumentException("InvocationEventType is missing");
        }
        if (actionData == null) {
            actionData = new ActionData(null, null, null, null);
        }
    }

    public String transactionId() {
        return callDetails.transactionId();
    }

    public List<Participant> participants() {
        return callDetails.participants() == null ? List.of() : callDetails.participants();
    }

    public Optional<Participant> participant(String tag) {
        return participants().stream().filter(p -> tag.equals(p.participantTag())).findFirst();
    }

    /** "type: message" of a failed action or an invalid response, wherever Chime put it. */
    public String error() {
        String type = errorType != null ? errorType : actionData.errorType();
        String message = errorMessage != null ? errorMessage : actionData.errorMessage();
        return (type == null ? "unknown error" : type) + (message == null ? "" : ": " + message);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CallDetails(
            @JsonProperty("TransactionId") String transactionId,
            @JsonProperty("TransactionAttributes") Map<String, String> transactionAttributes,
            @JsonProperty("AwsAccountId") String awsAccountId,
            @JsonProperty("AwsRegion") String awsRegion,
            @JsonProperty("SipMediaApplicationId") @JsonAlias("SipApplicationId") String sipMediaApplicationId,
            @JsonProperty("Participants") List<Participant> participants) {}

    /** A call leg: {@code LEG-A} is the leg the transaction started with, {@code LEG-B} one a {@code CallAndBridge} added. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Participant(
            @JsonProperty("CallId") String callId,
            @JsonProperty("ParticipantTag") String participantTag,
            @JsonProperty("To") String to,
            @JsonProperty("From") String from,
            @JsonProperty("Direction") String direction,
            @JsonProperty("StartTimeInMilliseconds") String startTimeInMilliseconds,
            @JsonProperty("Status") String status) {

        /** Whether the leg may still be up: Chime states {@code Disconnected} for one that is gone, and no status before answer. */
        public boolean connected() {
            return !"Disconnected".equalsIgnoreCase(status);
        }
    }

    /**
     * What the event is about: the action that succeeded or failed, the hangup, the update
     * request. {@code parameters} differ per action, so they stay a JSON tree read by name.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ActionData(
            @JsonProperty("Type") String type,
            @JsonProperty("Parameters") JsonNode parameters,
            @JsonProperty("ErrorType") String errorType,
            @JsonProperty("ErrorMessage") String errorMessage) {

        /** A parameter as text (Chime writes some numbers as strings, some not), or empty. */
        public Optional<String> parameter(String name) {
            JsonNode value = parameters == null ? null : parameters.get(name);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
        }

        /** {@code Parameters.Arguments}: what CreateSipMediaApplicationCall / UpdateSipMediaApplicationCall passed. */
        public Map<String, String> arguments() {
            JsonNode arguments = parameters == null ? null : parameters.get("Arguments");
            Map<String, String> map = new LinkedHashMap<>();
            if (arguments != null && arguments.isObject()) {
                arguments.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
            }
            return map;
        }
    }
}
