package dev.calling.core.routing;

import java.util.List;

/** Provider routing's answer for one call. */
public sealed interface Route {

    /**
     * App to app, through the VoIP providers in order: rung over the callee's live data connections and woken
     * by push on the devices the callee registered ({@code pushDeviceIds}); at least one of the two.
     * {@code pstnFallback}: a callee woken by push alone is then called on their phone number if the app does
     * not answer within the push window (the number, the carriers and the money are settled at that moment).
     */
    record Voip(List<String> calleeConnectionIds, List<String> providerIds, List<String> pushDeviceIds,
            boolean pstnFallback) implements Route {
        public Voip {
            calleeConnectionIds = List.copyOf(calleeConnectionIds);
            providerIds = List.copyOf(providerIds);
            pushDeviceIds = List.copyOf(pushDeviceIds);
            if (pstnFallback && (!calleeConnectionIds.isEmpty() || pushDeviceIds.isEmpty())) {
                throw new IllegalArgumentException("only a callee woken by push alone falls back to their phone number");
            }
        }

        /** Without a fallback to the callee's phone number. */
        public Voip(List<String> calleeConnectionIds, List<String> providerIds, List<String> pushDeviceIds) {
            this(calleeConnectionIds, providerIds, pushDeviceIds, false);
        }

        /** Over live connections only. */
        public Voip(List<String> calleeConnectionIds, List<String> providerIds) {
            this(calleeConnectionIds, providerIds, List.of(), false);
        }
    }

    /** To a phone number through PSTN carriers, cheapest healthy first: the failover order. */
    record Pstn(PhoneNumber number, List<ProviderOption> providers) implements Route {
        public Pstn {
            providers = List.copyOf(providers);
            if (providers.isEmpty()) {
                throw new IllegalArgumentException("a PSTN route needs at least one provider");
            }
        }
    }

    /** The call cannot be routed. */
    record Refused(Refusal reason, String detail) implements Route {}

    /** One carrier of a PSTN route with what it costs us for this number. */
    record ProviderOption(String providerId, Rate cost) {}

    enum Refusal {
        /** The callee has no live connection and no number we may call. */
        UNREACHABLE,
        /** The caller's plan does not allow this destination. */
        DESTINATION_NOT_ALLOWED,
        /** No enabled, healthy carrier with capacity has a rate for the number. */
        NO_PROVIDER,
        /** The caller's balance does not cover the first billing block of the call. */
        INSUFFICIENT_FUNDS,
        /** The dialled number is not a valid phone number. */
        INVALID_NUMBER,
        /** The dialled number is an emergency number, which this service does not connect ({@link EmergencyNumbers}). */
        EMERGENCY_NUMBER,
        /** The number is a high-risk destination ({@link HighRiskDestinations}) and the caller is not allow-listed. */
        HIGH_RISK_DESTINATION,
        /** The caller has as many PSTN calls in progress as they may have at once. */
        CONCURRENT_CALL_LIMIT,
        /** The caller's PSTN spending today (settled and reserved) leaves no room under the plan's daily cap. */
        DAILY_SPEND_LIMIT,
        /** The callee blocked the caller: to the caller the call rings unanswered (the block is not revealed). */
        BLOCKED_BY_CALLEE,
        /**
         * The callee silences callers they do not know, and has neither called the caller nor taken a call from
         * them: to the caller the call rings unanswered; to the callee it is a missed call.
         */
        UNKNOWN_CALLER_SILENCED
    }
}
