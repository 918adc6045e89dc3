package dev.calling.core.routing;

/** A carrier as routing sees it at one moment: its terms, its health, and the calls it carries now. */
public record CarrierStatus(Provider provider, ProviderHealth health, int activeCalls) {

    boolean hasCapacity() {
        return activeCalls < provider.maxConcurrentCalls();
    }
}
