package dev.calling.adapters.routing;

import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The carrier catalogue held in this process: fixed carriers (with their compiled rate decks),
 * health and load kept in memory. Right for the local run and tests, where one process runs the
 * call state manager. Deployed functions run in many containers and need health and load in a
 * shared store; until that exists, they are given an empty catalogue (VoIP only).
 */
public final class InMemoryCarrierCatalogue implements CarrierCatalogue {

    private final Map<String, Provider> providers = new LinkedHashMap<>();
    private final Map<String, ProviderHealth> health = new LinkedHashMap<>();
    private final Map<String, Integer> active = new LinkedHashMap<>();

    public InMemoryCarrierCatalogue(List<Provider> carriers, ProviderHealth.Policy policy) {
        for (Provider provider : carriers) {
            providers.put(provider.id(), provider);
            health.put(provider.id(), ProviderHealth.fresh(policy));
            active.put(provider.id(), 0);
        }
    }

    public static InMemoryCarrierCatalogue empty() {
        return new InMemoryCarrierCatalogue(List.of(), ProviderHealth.Policy.defaults());
    }

    @Override
    public synchronized List<CarrierStatus> carriers(Instant now) {
        return providers.values().stream()
                .map(p -> new CarrierStatus(p, health.get(p.id()), active.get(p.id()))).toList();
    }

    @Override
    public synchronized void attemptStarted(String providerId, Instant at) {
        if (providers.containsKey(providerId)) {
            active.merge(providerId, 1, Integer::sum);
            health.computeIfPresent(providerId, (id, h) -> h.attemptStarted(at));
        }
    }

    @Override
    public synchronized void attemptEnded(String providerId, AttemptOutcome outcome, Instant at) {
        if (providers.containsKey(providerId)) {
            active.merge(providerId, -1, (a, b) -> Math.max(0, a + b));
            health.computeIfPresent(providerId, (id, h) -> h.record(outcome, at));
        }
    }

    public synchronized ProviderHealth health(String providerId) {
        return health.get(providerId);
    }
}
