package dev.calling.core.call;

/**
 * Port: the switch that owns the media legs (a VoIP switch for app connections, a carrier for PSTN).
 * Every operation must be idempotent: the call state manager may repeat a command after a redelivery.
 */
public interface SwitchPort {

    void ring(CallCommand.RingCallee command);

    void bridge(CallCommand.BridgeConnections command);

    void release(CallCommand.ReleaseConnection command);
}
