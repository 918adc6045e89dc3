package dev.calling.core.call;

import dev.calling.core.abuse.LimitAlerts;
import java.util.Objects;

/**
 * Where the call state manager's output goes: its commands to the VoIP switch, the PSTN carriers,
 * the timers, billing and the callee's devices (push), news of each change to the parties' apps, alerts on abuse
 * limits and the operators' metrics.
 */
public record CommandPorts(SwitchPort switchPort, CarrierPort carriers, TimerPort timers, BillingPort billing,
        PushPort pushes, PartyNotifier parties, LimitAlerts alerts, CallMetrics metrics) {

    public CommandPorts {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(switchPort, "switchPort");
        Objects.requireNonNull(carriers, "carriers");
        Objects.requireNonNull(timers, "timers");
        Objects.requireNonNull(billing, "billing");
        Objects.requireNonNull(pushes, "pushes");
        Objects.requireNonNull(parties, "parties");
        Objects.requireNonNull(alerts, "alerts");
    }

    /** Without metrics. */
    public CommandPorts(SwitchPort switchPort, CarrierPort carriers, TimerPort timers, BillingPort billing,
            PushPort pushes, PartyNotifier parties, LimitAlerts alerts) {
        this(switchPort, carriers, timers, billing, pushes, parties, alerts, CallMetrics.NONE);
    }

    /** Without alerts on abuse limits. */
    public CommandPorts(SwitchPort switchPort, CarrierPort carriers, TimerPort timers, BillingPort billing,
            PushPort pushes, PartyNotifier parties) {
        this(switchPort, carriers, timers, billing, pushes, parties, LimitAlerts.NONE);
    }

    /** Without devices to push to (no {@link dev.calling.core.push.Devices} is read, so none is ever named). */
    public CommandPorts(SwitchPort switchPort, CarrierPort carriers, TimerPort timers, BillingPort billing,
            PartyNotifier parties) {
        this(switchPort, carriers, timers, billing, PushPort.NONE, parties);
    }

    /** Without apps to notify or devices to push to (tests of the call path alone). */
    public CommandPorts(SwitchPort switchPort, CarrierPort carriers, TimerPort timers, BillingPort billing) {
        this(switchPort, carriers, timers, billing, PushPort.NONE, PartyNotifier.NONE);
    }

    void issue(CallCommand command) {
        if (command instanceof CallCommand.RingCallee ring) {
            switchPort.ring(ring);
        } else if (command instanceof CallCommand.BridgeConnections bridge) {
            switchPort.bridge(bridge);
        } else if (command instanceof CallCommand.ReleaseConnection release) {
            switchPort.release(release);
        } else if (command instanceof CallCommand.DialNumber dial) {
            carriers.dial(dial);
        } else if (command instanceof CallCommand.BridgeToNumber bridge) {
            carriers.bridge(bridge);
        } else if (command instanceof CallCommand.HangUpNumber hangUp) {
            carriers.hangUp(hangUp);
        } else if (command instanceof CallCommand.CheckNumber check) {
            carriers.check(check);
        } else if (command instanceof CallCommand.Timer timer) {
            timers.schedule(timer);
        } else if (command instanceof CallCommand.ChargeCall charge) {
            billing.charge(charge);
        } else if (command instanceof CallCommand.ReviseCharge revision) {
            billing.revise(revision);
        } else if (command instanceof CallCommand.PushCallee push) {
            pushes.push(push);
        } else {
            throw new IllegalArgumentException("no port for " + command);
        }
    }
}
