package dev.calling.local;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.adapters.sqs.SqsEventPublisher;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.core.session.ConnectionEvent;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A VoIP switch that behaves like a carrier, for the local run and the tests. It consumes the
 * {@code switch-commands} queue (ring, bridge, release) and reports what its simulated devices do
 * onto the real queues: call state changes (ringing, answered, declined, busy, hung up), each with
 * the switch's per-call sequence number, to {@code call-state-changes}; connection opened / closed /
 * heartbeat to {@code connection-events}. Commands are handled idempotently, as a real switch must.
 */
public final class SimulatedSwitch implements RequestHandler<SQSEvent, SQSBatchResponse>, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SimulatedSwitch.class.getName());

    private final SqsEventPublisher queues;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "simulated-switch");
        t.setDaemon(true);
        return t;
    });
    private final SqsBatchProcessor batch =
            new SqsBatchProcessor("SimulatedSwitch", Resources.SWITCH_COMMANDS.maxReceiveCount());
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, SwitchCall> calls = new ConcurrentHashMap<>();
    private final AtomicInteger connectionCounter = new AtomicInteger();

    public SimulatedSwitch(SqsEventPublisher queues, Clock clock) {
        this.queues = queues;
        this.clock = clock;
    }

    /** A user's app connects: the switch reports the new connection to the session service. */
    public Device connect(String userId, String sessionId) {
        String connectionId = userId + "-c" + connectionCounter.incrementAndGet();
        Device device = new Device(this, userId, sessionId, connectionId);
        devices.put(connectionId, device);
        queues.publish(new ConnectionEvent.ConnectionOpened(eventId(), userId, sessionId, connectionId, clock.instant()));
        return device;
    }

    /** Every connected device reports a heartbeat (apps do every ~30 s). */
    public void heartbeatAll() {
        devices.values().forEach(d -> queues.publish(
                new ConnectionEvent.ConnectionHeartbeat(eventId(), d.userId(), d.connectionId(), clock.instant())));
    }

    void disconnect(Device device) {
        devices.remove(device.connectionId());
        queues.publish(new ConnectionEvent.ConnectionClosed(eventId(), device.userId(), device.connectionId(),
                clock.instant()));
    }

    String placeCall(Device caller, String calleeUserId, CallerScript script) {
        String callId = "call-" + UUID.randomUUID().toString().substring(0, 8);
        SwitchCall call = call(callId);
        call.caller = caller;
        call.callerScript = script;
        queues.publish(new CallEvent.CallRequested(eventId(), callId, clock.instant(), caller.userId(),
                caller.connectionId(), calleeUserId));
        script.cancelAfter().ifPresent(after -> call.schedule(caller.connectionId(), after, () -> {
            if (!call.bridged && !call.over) {
                call.over = true;
                report(call, seq -> new CallEvent.CallHungUp(eventId(), callId, clock.instant(), 1, seq, Party.CALLER));
            }
        }));
        return callId;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, message -> apply(Json.readCallCommand(message.getBody())));
    }

    private void apply(CallCommand command) {
        SwitchCall call = call(command.callId());
        synchronized (call) {
            if (command instanceof CallCommand.RingCallee ring) {
                ring(call, ring);
            } else if (command instanceof CallCommand.BridgeConnections bridge) {
                bridge(call, bridge);
            } else if (command instanceof CallCommand.ReleaseConnection release) {
                release(call, release.connectionId());
            }
        }
    }

    private void ring(SwitchCall call, CallCommand.RingCallee ring) {
        if (call.rung) {
            return; // repeated command
        }
        call.rung = true;
        List<Device> targets = ring.calleeConnectionIds().stream().map(devices::get)
                .filter(java.util.Objects::nonNull).toList();
        if (targets.stream().anyMatch(d -> d.activeCall() != null || d.onRing() instanceof RingResponse.Busy)) {
            call.over = true;
            report(call, seq -> new CallEvent.CalleeBusy(eventId(), call.callId, clock.instant(), 1, seq));
            return;
        }
        report(call, seq -> new CallEvent.CallRinging(eventId(), call.callId, clock.instant(), 1, seq));
        for (Device device : targets) {
            RingResponse response = device.onRing();
            if (response instanceof RingResponse.Answer answer) {
                call.schedule(device.connectionId(), answer.after(), () -> {
                    if (!call.over && call.answeredBy == null) {
                        call.answeredBy = device;
                        call.calleeHangUpAfter = answer.hangUpAfter();
                        report(call, seq -> new CallEvent.CallAnswered(eventId(), call.callId, clock.instant(), 1, seq,
                                device.connectionId()));
                    }
                });
            } else if (response instanceof RingResponse.Decline decline) {
                call.schedule(device.connectionId(), decline.after(), () -> {
                    if (!call.over && call.answeredBy == null) {
                        call.over = true;
                        report(call, seq -> new CallEvent.CallDeclined(eventId(), call.callId, clock.instant(), 1, seq));
                    }
                });
            }
        }
    }

    private void bridge(SwitchCall call, CallCommand.BridgeConnections bridge) {
        if (call.bridged) {
            return;
        }
        call.bridged = true;
        Device caller = devices.get(bridge.callerConnectionId());
        Device callee = devices.get(bridge.calleeConnectionId());
        if (caller == null || callee == null) {
            call.over = true;
            report(call, seq -> new CallEvent.CallFailed(eventId(), call.callId, clock.instant(), 1, seq, 0,
                    "connection gone before bridging"));
            return;
        }
        caller.activeCall(call.callId);
        callee.activeCall(call.callId);
        Optional<Duration> callerHangUp = call.callerScript == null ? Optional.empty()
                : call.callerScript.hangUpAfterConnected();
        callerHangUp.ifPresent(talk -> call.schedule(caller.connectionId(), talk, () -> hangUp(call, Party.CALLER)));
        call.calleeHangUpAfter.ifPresent(talk -> call.schedule(callee.connectionId(), talk, () -> hangUp(call, Party.CALLEE)));
    }

    private void hangUp(SwitchCall call, Party party) {
        if (!call.over) {
            call.over = true;
            report(call, seq -> new CallEvent.CallHungUp(eventId(), call.callId, clock.instant(), 1, seq, party));
        }
    }

    private void release(SwitchCall call, String connectionId) {
        call.cancel(connectionId);
        Device device = devices.get(connectionId);
        if (device != null && call.callId.equals(device.activeCall())) {
            device.activeCall(null);
        }
        if (call.caller != null && call.caller.connectionId().equals(connectionId)) {
            call.over = true; // the caller's leg is gone: nothing more to report for this call
            call.cancelAll();
        }
    }

    /** Reports the next event of the call with the call's next switch sequence number. */
    private void report(SwitchCall call, Function<Long, CallEvent> event) {
        synchronized (call) {
            CallEvent e = event.apply(++call.sequence);
            LOG.log(Level.DEBUG, () -> "switch reports " + Json.write(e));
            queues.publish(e);
        }
    }

    private SwitchCall call(String callId) {
        return calls.computeIfAbsent(callId, SwitchCall::new);
    }

    private static String eventId() {
        return UUID.randomUUID().toString();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** The switch's view of one call. */
    private final class SwitchCall {
        final String callId;
        long sequence;
        Device caller;
        CallerScript callerScript;
        volatile boolean rung;
        volatile boolean bridged;
        volatile boolean over;
        volatile Device answeredBy;
        volatile Optional<Duration> calleeHangUpAfter = Optional.empty();
        final Map<String, List<ScheduledFuture<?>>> pending = new ConcurrentHashMap<>();

        SwitchCall(String callId) {
            this.callId = callId;
        }

        void schedule(String connectionId, Duration after, Runnable action) {
            ScheduledFuture<?> future = scheduler.schedule(() -> {
                synchronized (this) {
                    action.run();
                }
            }, after.toMillis(), TimeUnit.MILLISECONDS);
            pending.computeIfAbsent(connectionId, k -> new ArrayList<>()).add(future);
        }

        void cancel(String connectionId) {
            List<ScheduledFuture<?>> futures = pending.remove(connectionId);
            if (futures != null) {
                futures.forEach(f -> f.cancel(false));
            }
        }

        void cancelAll() {
            List.copyOf(pending.keySet()).forEach(this::cancel);
        }
    }
}
