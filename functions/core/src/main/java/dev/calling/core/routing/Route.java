package dev.calling.core.routing;

import java.util.List;

/** Provider routing's answer for one call. */
public sealed interface Route {

    /**
     * App to app, through the VoIP providers in order: rung over the callee's live data connections and woken
     * by push on the devices the callee registered ({@code pushDeviceIds}); at least one of the two.
     */
    record Voip(List<String> calleeConnectionIds, List<String> providerIds, List<String> pushDeviceIds)
            implements Route {
        public Voip {
            calleeConnectionIds = List.copyOf(calleeConnectionIds);
            providerIds = List.copyOf(providerIds);
            pushDeviceIds = List.copyOf(pushDeviceIds);
        }

        /** Over live connections only. */
        public Voip(List<String> calleeConnectionIds, List<String> providerIds) {
            this(calleeConnectionIds, providerIds, List.of());
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
        INVALID_NUMBER
    }
}
