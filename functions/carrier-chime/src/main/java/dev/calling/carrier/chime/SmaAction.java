package dev.calling.carrier.chime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The actions this SIP media application returns to Chime. Each knows its JSON shape
 * ({@code {"Type": ..., "Parameters": {...}}}); a closed set, because these are the only ones the
 * call flow needs.
 */
public sealed interface SmaAction {

    Map<String, Object> toJson();

    /** Disconnect leg {@code callId} with a normal clearing. */
    record Hangup(String callId) implements SmaAction {
        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("CallId", callId);
            parameters.put("SipResponseCode", "0");
            return action("Hangup", parameters);
        }
    }

    /**
     * Call the app side of the call through a Voice Connector ({@code voiceConnectorArn}, Request-URI
     * user part {@code uri}) and bridge it with the answered PSTN leg; {@code callIdHeader} goes
     * along as SIP header {@code X-Call-Id} so the VoIP switch knows which call the INVITE is for.
     */
    record CallAndBridge(String callerIdNumber, String voiceConnectorArn, String uri, String callIdHeader,
            int timeoutSeconds) implements SmaAction {
        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> endpoint = new LinkedHashMap<>();
            endpoint.put("BridgeEndpointType", "AWS");
            endpoint.put("Arn", voiceConnectorArn);
            endpoint.put("Uri", uri);
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("CallTimeoutSeconds", timeoutSeconds);
            parameters.put("CallerIdNumber", callerIdNumber);
            parameters.put("Endpoints", List.of(endpoint));
            parameters.put("SipHeaders", Map.of("X-Call-Id", callIdHeader));
            return action("CallAndBridge", parameters);
        }
    }

    /**
     * Put leg {@code callId} into an Amazon Chime SDK meeting as the attendee whose join token this is
     * (https://docs.aws.amazon.com/chime-sdk/latest/dg/join-chime-meeting.html).
     */
    record JoinChimeMeeting(String joinToken, String callId, String meetingId) implements SmaAction {
        @Override
        public Map<String, Object> toJson() {
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("JoinToken", joinToken);
            parameters.put("CallId", callId);
            parameters.put("MeetingId", meetingId);
            return action("JoinChimeMeeting", parameters);
        }

        /** Never the join token. */
        @Override
        public String toString() {
            return "JoinChimeMeeting[callId=" + callId + ", meetingId=" + meetingId + "]";
        }
    }

    private static Map<String, Object> action(String type, Map<String, Object> parameters) {
        Map<String, Object> action = new LinkedHashMap<>();
        action.put("Type", type);
        action.put("Parameters", parameters);
        return action;
    }
}
