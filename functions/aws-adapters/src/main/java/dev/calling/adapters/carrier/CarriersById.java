package dev.calling.adapters.carrier;

import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CarrierPort;
import java.util.Map;

/**
 * The carrier port of a deployment with several carriers: each command goes to the adapter of the
 * carrier it names (Chime SDK Voice, a REST carrier ...). A command for a carrier this deployment
 * has no adapter for is a configuration error and fails loudly: the message is retried and ends in
 * the dead-letter queue rather than leaving a call silently undialled.
 */
public final class CarriersById implements CarrierPort {

    private final Map<String, CarrierPort> adapters;

    public CarriersById(Map<String, CarrierPort> adapters) {
        this.adapters = Map.copyOf(adapters);
    }

    @Override
    public void dial(CallCommand.DialNumber command) {
        adapter(command.providerId()).dial(command);
    }

    @Override
    public void bridge(CallCommand.BridgeToNumber command) {
        adapter(command.providerId()).bridge(command);
    }

    @Override
    public void hangUp(CallCommand.HangUpNumber command) {
        adapter(command.providerId()).hangUp(command);
    }

    @Override
    public void check(CallCommand.CheckNumber command) {
        adapter(command.providerId()).check(command);
    }

    private CarrierPort adapter(String providerId) {
        CarrierPort adapter = adapters.get(providerId);
        if (adapter == null) {
            throw new IllegalStateException("no adapter for carrier '" + providerId + "'; configured: " + adapters.keySet());
        }
        return adapter;
    }
}
