package dev.calling.push.sns;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.calling.core.call.CallCommand;
import dev.calling.core.push.PushKind;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What SNS is asked to publish for a push: the {@code MessageStructure=json} message (the platform's payload,
 * as a string, under the platform's key, with the {@code default} text the Publish API requires) and the
 * reserved message attributes that set APNs' push type, priority and expiration.
 *
 * <p>Shapes from SNS's documentation: platform-specific payloads
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-send-custom-platform-specific-payloads-mobile-devices.html),
 * FCM HTTP v1 payloads under {@code fcmV1Message} (https://docs.aws.amazon.com/sns/latest/dg/sns-fcm-v1-payloads.html),
 * the APNs attributes {@code AWS.SNS.MOBILE.APNS.PUSH_TYPE} / {@code .PRIORITY} (SNS's reserved message
 * attributes, https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html) and the TTL attributes
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-ttl.html). What the apps read ({@code type}, {@code callId},
 * {@code caller}, {@code ringUntil}) is this project's own.
 *
 * <ul>
 *   <li>RING: a VoIP push (push type {@code voip}, priority 10) or a high-priority FCM data message, both
 *       expiring at the ring timeout: a ring delivered late would ring a call that stopped ringing.
 *   <li>CANCEL: a background push (push type {@code background}, priority 5, as APNs requires for
 *       {@code content-available}) or a high-priority FCM data message, expiring after a minute.
 *   <li>MISSED: a visible notice (APNs alert, FCM notification message), kept for a day while the phone is off.
 * </ul>
 */
public final class PushMessages {

    public static final String INCOMING_CALL = "incoming-call";
    public static final String CALL_CANCELLED = "call-cancelled";
    public static final String MISSED_CALL = "missed-call";

    /** A cancel is worth nothing once the ringing it stops would have ended anyway. */
    public static final Duration CANCEL_TTL = Duration.ofSeconds(60);
    /** A missed-call notice waits this long for a phone that is off. */
    public static final Duration MISSED_TTL = Duration.ofDays(1);

    static final String PUSH_TYPE = "AWS.SNS.MOBILE.APNS.PUSH_TYPE";
    static final String PRIORITY = "AWS.SNS.MOBILE.APNS.PRIORITY";
    static final String APNS_TTL = "AWS.SNS.MOBILE.APNS.TTL";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PushMessages() {}

    /** What an app reads of a push as the platform hands it over: its {@code type} and call. */
    public record Read(String type, String callId) {
        /** The kind of push this {@code type} is, if it is one this service sends. */
        public Optional<PushKind> kind() {
            return switch (type) {
                case INCOMING_CALL -> Optional.of(PushKind.RING);
                case CALL_CANCELLED -> Optional.of(PushKind.CANCEL);
                case MISSED_CALL -> Optional.of(PushKind.MISSED);
                default -> Optional.empty();
            };
        }
    }

    /**
     * Reads a delivered push as the app does: the APNs payload has {@code type} and {@code callId} at its top, an FCM
     * message under {@code fcmV1Message.message.data}. Empty for a payload without them.
     */
    public static Optional<Read> read(String payload) {
        try {
            JsonNode node = JSON.readTree(payload);
            JsonNode fields = node.has("fcmV1Message") ? node.path("fcmV1Message").path("message").path("data") : node;
            if (!fields.hasNonNull("type") || !fields.hasNonNull("callId")) {
                return Optional.empty();
            }
            return Optional.of(new Read(fields.get("type").asText(), fields.get("callId").asText()));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * One Publish: {@code payload} is the platform's JSON, {@code message} SNS's JSON around it, {@code attributes}
     * the String message attributes.
     */
    public record Publication(SnsPlatform platform, String payload, String message, Map<String, String> attributes) {
        public Publication {
            attributes = Map.copyOf(attributes);
        }
    }

    /** The publication of {@code push} through {@code platform} at {@code now} (the ring's TTL counts from it). */
    public static Publication of(SnsPlatform platform, CallCommand.PushCallee push, Instant now) {
        Map<String, String> attributes = new LinkedHashMap<>();
        ObjectNode payload;
        if (platform == SnsPlatform.GCM) {
            payload = fcm(push, now, attributes);
        } else {
            payload = apns(platform, push, now, attributes);
        }
        String payloadJson = write(payload);
        ObjectNode message = JSON.createObjectNode();
        message.put("default", defaultText(push));
        message.put(platform.messageKey(), payloadJson);
        return new Publication(platform, payloadJson, write(message), attributes);
    }

    /** Whole seconds from {@code now} to the end of the ringing, never more (and never below 0). */
    public static long ringSeconds(CallCommand.PushCallee push, Instant now) {
        if (push.ringUntil() == null) {
            throw new IllegalArgumentException("a ring push without ringUntil: " + push.callId());
        }
        return Math.max(0, Duration.between(now, push.ringUntil()).getSeconds());
    }

    private static ObjectNode apns(SnsPlatform platform, CallCommand.PushCallee push, Instant now,
            Map<String, String> attributes) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode aps = body.putObject("aps");
        long ttl;
        switch (push.kind()) {
            case RING -> {
                // A PushKit payload: the app reports it to CallKit from the custom keys; aps stays empty.
                body.put("type", INCOMING_CALL).put("callId", push.callId()).put("caller", push.callerUserId())
                        .put("ringUntil", push.ringUntil().toString());
                attributes.put(PUSH_TYPE, "voip");
                attributes.put(PRIORITY, "10");
                ttl = ringSeconds(push, now);
            }
            case CANCEL -> {
                aps.put("content-available", 1);
                body.put("type", CALL_CANCELLED).put("callId", push.callId());
                attributes.put(PUSH_TYPE, "background");
                attributes.put(PRIORITY, "5"); // APNs refuses priority 10 for a background push
                ttl = CANCEL_TTL.getSeconds();
            }
            case MISSED -> {
                ObjectNode alert = aps.putObject("alert");
                alert.put("title", "Missed call").put("body", missedBody(push));
                aps.put("sound", "default");
                body.put("type", MISSED_CALL).put("callId", push.callId()).put("caller", push.callerUserId());
                attributes.put(PUSH_TYPE, "alert");
                attributes.put(PRIORITY, "10");
                ttl = MISSED_TTL.getSeconds();
            }
            default -> throw new IllegalArgumentException("unknown push kind " + push.kind());
        }
        attributes.put(APNS_TTL, Long.toString(ttl));
        if (!platform.ttlAttribute().equals(APNS_TTL)) {
            // The TTL page names the APNS attribute only; the reserved list has one per platform: both, same value.
            attributes.put(platform.ttlAttribute(), Long.toString(ttl));
        }
        return body;
    }

    /** An FCM HTTP v1 message (https://firebase.google.com/docs/reference/fcm/rest/v1/projects.messages). */
    private static ObjectNode fcm(CallCommand.PushCallee push, Instant now, Map<String, String> attributes) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode message = root.putObject("fcmV1Message").putObject("message");
        ObjectNode android = JSON.createObjectNode();
        long ttl;
        switch (push.kind()) {
            case RING -> {
                message.putObject("data").put("type", INCOMING_CALL).put("callId", push.callId())
                        .put("caller", push.callerUserId()).put("ringUntil", push.ringUntil().toString());
                android.put("priority", "high"); // a data-only high-priority message wakes the app
                ttl = ringSeconds(push, now);
            }
            case CANCEL -> {
                message.putObject("data").put("type", CALL_CANCELLED).put("callId", push.callId());
                android.put("priority", "high");
                ttl = CANCEL_TTL.getSeconds();
            }
            case MISSED -> {
                message.putObject("notification").put("title", "Missed call").put("body", missedBody(push));
                message.putObject("data").put("type", MISSED_CALL).put("callId", push.callId())
                        .put("caller", push.callerUserId());
                ttl = MISSED_TTL.getSeconds();
            }
            default -> throw new IllegalArgumentException("unknown push kind " + push.kind());
        }
        android.put("ttl", ttl + "s"); // a protobuf Duration: seconds with an "s"
        message.set("android", android);
        attributes.put(SnsPlatform.GCM.ttlAttribute(), Long.toString(ttl));
        return root;
    }

    private static String missedBody(CallCommand.PushCallee push) {
        return push.callerUserId() + " called you";
    }

    /** Required by Publish with MessageStructure=json; never used here: the platform's key is always present. */
    private static String defaultText(CallCommand.PushCallee push) {
        return switch (push.kind()) {
            case RING -> "Incoming call";
            case CANCEL -> "Call ended";
            case MISSED -> "Missed call";
        };
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
