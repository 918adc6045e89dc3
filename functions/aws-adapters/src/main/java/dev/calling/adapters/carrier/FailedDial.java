package dev.calling.adapters.carrier;

import java.util.Optional;

/**
 * The leg a carrier adapter's dial records when the carrier did not give it a call: a marker
 * registered in the carrier-legs table in place of the carrier's call id (shared by the REST and
 * Twilio carriers; docs/carrier-rest-api.md "When the dial itself fails").
 *
 * <p>Why a marker: after a timeout or an unreadable reply we cannot know whether the carrier
 * created the call. Registering the attempt is a conditional write on {@code call#<callId>#<attempt>},
 * so the dial's marker and the carrier's first status callback (which registers the real call id)
 * race for it and exactly one wins. If the dial wins, the attempt has failed: its {@code CallFailed}
 * is published and any late callback of a real call for that attempt is an orphan the webhook hangs
 * up. If the callback wins, the call exists and is being reported: the dial publishes nothing. The
 * marker also lets a redelivered dial publish the same {@code CallFailed} again instead of dialling.
 */
public final class FailedDial {

    private static final String PREFIX = "dial-failed:";

    private FailedDial() {}

    /** The marker for a failed dial of the attempt; it contains colons, which carrier call ids cannot. */
    public static String marker(int sipCode, String callId, int attempt) {
        return PREFIX + sipCode + ":" + callId + ":" + attempt;
    }

    /** The SIP code of a failed-dial marker, or empty when {@code carrierLegId} is a real carrier call. */
    public static Optional<Integer> sipCodeOf(String carrierLegId) {
        if (!carrierLegId.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = carrierLegId.substring(PREFIX.length());
        return Optional.of(Integer.parseInt(rest.substring(0, rest.indexOf(':'))));
    }

    /** The event id of the attempt's synthetic {@code CallFailed}: the same on every redelivery, so FIFO dedup drops repeats. */
    public static String eventId(String callId, int attempt) {
        return callId + ":" + attempt + ":dial-failed";
    }
}
