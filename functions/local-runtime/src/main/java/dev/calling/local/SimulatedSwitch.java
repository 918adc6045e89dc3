package dev.calling.local;

import dev.calling.core.privacy.LogMasking;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A VoIP switch that behaves like a carrier, and PSTN carriers behind it, for the local run and
 * the tests. It consumes the {@code switch-commands} queue (ring, bridge, release; dial, bridge to
 * number, hang up number) and reports what its simulated devices, carriers and phone lines do onto
 * the real queues: call state changes (ringing, answered, declined, busy, failed, hung up), each
 * with its attempt and the attempt's sequence number, to {@code call-state-changes}; connection
 * opened / closed / heartbeat to {@code connection-events}. Commands are handled idempotently, as
 * a real switch must.
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
    private final Map<String, CarrierBehaviour> carriers = new ConcurrentHashMap<>();
    private final Map<String, Duration> carrierClocks = new ConcurrentHashMap<>();
    private volatile boolean carrierApiDown;
    private final Map<String, RingResponse> phoneLines = new ConcurrentHashMap<>();

    /** How a simulated PSTN carrier treats the calls it is given. */
    public sealed interface CarrierBehaviour {
        /** Connects calls to the phone line. */
        record Works() implements CarrierBehaviour {}

        /** Fails every call with {@code sipCode} after {@code after} (503, 408 ...; 0 for a timeout). */
        record FailsWith(int sipCode, Duration after) implements CarrierBehaviour {}
    }
    private final AtomicInteger connectionCounter = new AtomicInteger();
    /** How long a failing publish is retried (zero: it fails at once, the default). */
    private volatile Duration retryPublishing = Duration.ZERO;
    /** Where the switch's sequenced reports go: by default straight to the queue. */
    private volatile Consumer<CallEvent> reports = this::publish;
    /** Connections whose app beats through the WebSocket API itself. */
    private final Set<String> appConnections = ConcurrentHashMap.newKeySet();

    public SimulatedSwitch(SqsEventPublisher queues, Clock clock) {
        this.queues = queues;
        this.clock = clock;
    }

    /** A user's app connects: the switch reports the new connection to the session service. */
    public Device connect(String userId, String sessionId) {
        String connectionId = userId + "-c" + connectionCounter.incrementAndGet();
        Device device = new Device(this, userId, sessionId, connectionId);
        devices.put(connectionId, device);
        publish(new ConnectionEvent.ConnectionOpened(eventId(), userId, sessionId, connectionId, clock.instant()));
        return device;
    }

    /**
     * An app that connected through the realtime WebSocket API also gets a media leg on the switch,
     * under the same connection id; the Realtime function has already reported the connection, and
     * the app itself answers, rejects and hangs up through the call API (the device never answers
     * on its own).
     */
    public Device attach(String userId, String sessionId, String connectionId) {
        Device device = new Device(this, userId, sessionId, connectionId);
        devices.put(connectionId, device);
        appConnections.add(connectionId);
        return device;
    }

    /** The app's WebSocket closed: its media leg goes too (the Realtime function reports the close). */
    public void detach(String connectionId) {
        devices.remove(connectionId);
        appConnections.remove(connectionId);
    }

    /**
     * Keeps retrying a publish that fails (the queue unreachable) for up to {@code upTo} before
     * giving up, as a real switch or carrier retries its callbacks; by default a failure is thrown at once.
     */
    public void retryPublishing(Duration upTo) {
        this.retryPublishing = upTo;
    }

    /**
     * Sends the switch's sequenced reports (ringing, answered, declined, busy, failed, hung up)
     * through {@code route}, given the way they go by default: a test can play a carrier that
     * reports out of order or twice. Reports that leave the route still go to the queue by default.
     */
    public void routeReports(UnaryOperator<Consumer<CallEvent>> route) {
        this.reports = route.apply(this::publish);
    }

    private void publish(CallEvent event) {
        withRetries(() -> queues.publish(event));
    }

    private void publish(ConnectionEvent event) {
        withRetries(() -> queues.publish(event));
    }

    private void withRetries(Runnable send) {
        long deadline = System.nanoTime() + retryPublishing.toNanos();
        while (true) {
            try {
                send.run();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                LOG.log(Level.WARNING, () -> "switch: publish failed, retrying: " + e);
                try {
                    Thread.sleep(250);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Carrier {@code providerId}'s clock runs {@code skew} ahead (negative: behind) of ours; its reports say so. */
    public void carrierClock(String providerId, Duration skew) {
        carrierClocks.put(providerId, skew);
    }

    /**
     * While down, every carrier's API refuses our requests (dial, bridge, hang-up, status: the command
     * fails and is retried by its queue, then dead-lettered); the phone calls already up go on.
     */
    public void carrierApiDown(boolean down) {
        this.carrierApiDown = down;
    }

    /** Now by the clock of the carrier of the call's current attempt. */
    private Instant carrierNow(SwitchCall call) {
        Duration skew = call.provider == null ? null : carrierClocks.get(call.provider);
        return skew == null ? clock.instant() : clock.instant().plus(skew);
    }

    /** Sets how a PSTN carrier behaves (every carrier works unless told otherwise). */
    public void carrier(String providerId, CarrierBehaviour behaviour) {
        carriers.put(providerId, behaviour);
    }

    /** Sets how the person at a phone number answers (by default: after 1 s, and stays on). */
    public void phoneLine(String e164, RingResponse response) {
        phoneLines.put(e164, response);
    }

    /** Every connected device reports a heartbeat (apps do every ~30 s). */
    public void heartbeatAll() {
        devices.values().stream().filter(d -> !appConnections.contains(d.connectionId())).forEach(d -> publish(
                new ConnectionEvent.ConnectionHeartbeat(eventId(), d.userId(), d.connectionId(), clock.instant())));
    }

    void disconnect(Device device) {
        devices.remove(device.connectionId());
        publish(new ConnectionEvent.ConnectionClosed(eventId(), device.userId(), device.connectionId(),
                clock.instant()));
    }

    String placeCall(Device caller, String calleeUserId, String dialledNumber, CallerScript script) {
        String callId = "call-" + UUID.randomUUID().toString().substring(0, 8);
        SwitchCall call = call(callId);
        call.caller = caller;
        call.callerScript = script;
        publish(new CallEvent.CallRequested(eventId(), callId, clock.instant(), caller.userId(),
                caller.connectionId(), calleeUserId, dialledNumber));
        script.cancelAfter().ifPresent(after -> call.schedule(caller.connectionId(), after, () -> {
            if (!call.bridged && !call.over) {
                call.over = true;
                callerHangsUp(call);
            }
        }));
        return callId;
    }

    /**
     * The caller hangs up. On a VoIP call the switch sees it on the caller's leg and reports it in
     * sequence; on a PSTN call the caller's app tells the system directly (an unsequenced event).
     */
    private void callerHangsUp(SwitchCall call) {
        if (call.pstn) {
            publish(new CallEvent.CallHungUp(eventId(), call.callId, clock.instant(), 0, 0, Party.CALLER));
        } else {
            report(call, seq -> new CallEvent.CallHungUp(eventId(), call.callId, clock.instant(), 1, seq, Party.CALLER));
        }
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return batch.process(event, message -> apply(Json.readCallCommand(message.getBody())));
    }

    private void apply(CallCommand command) {
        if (carrierApiDown && (command instanceof CallCommand.DialNumber || command instanceof CallCommand.BridgeToNumber
                || command instanceof CallCommand.HangUpNumber || command instanceof CallCommand.CheckNumber)) {
            throw new IllegalStateException("carrier API down: HTTP 503 for " + command.getClass().getSimpleName());
        }
        SwitchCall call = call(command.callId());
        synchronized (call) {
            if (command instanceof CallCommand.RingCallee ring) {
                ring(call, ring);
            } else if (command instanceof CallCommand.BridgeConnections bridge) {
                bridge(call, bridge);
            } else if (command instanceof CallCommand.ReleaseConnection release) {
                call.tornDown.add(release.connectionId());
                release(call, release.connectionId());
            } else if (command instanceof CallCommand.DialNumber dial) {
                dial(call, dial);
            } else if (command instanceof CallCommand.BridgeToNumber bridge) {
                bridgeToNumber(call, bridge);
            } else if (command instanceof CallCommand.CheckNumber check) {
                checkNumber(call, check);
            } else if (command instanceof CallCommand.HangUpNumber hangUp) {
                String leg = leg(call, hangUp.providerId(), hangUp.attempt());
                call.tornDown.add(leg);
                if (hangUp.attempt() == call.attempt) {
                    call.over = true; // the current leg is gone: nothing more to report
                }
                call.cancel(leg);
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

    private void dial(SwitchCall call, CallCommand.DialNumber dial) {
        if (call.pstn && dial.attempt() <= call.attempt) {
            return; // repeated command
        }
        call.pstn = true;
        call.attempt = dial.attempt();
        call.provider = dial.providerId();
        call.sequence = 0;
        call.over = false;
        int attempt = dial.attempt();
        String leg = leg(call, dial.providerId(), attempt);
        CarrierBehaviour carrier = carriers.getOrDefault(dial.providerId(), new CarrierBehaviour.Works());
        if (carrier instanceof CarrierBehaviour.FailsWith fails) {
            call.schedule(leg, fails.after(), () -> reportFailure(call, attempt, fails.sipCode(),
                    dial.providerId() + (fails.sipCode() == 0 ? " timed out" : " rejected the call")));
            return;
        }
        report(call, seq -> new CallEvent.CallRinging(eventId(), call.callId, carrierNow(call), attempt, seq));
        RingResponse line = phoneLines.getOrDefault(dial.number(), RingResponse.answerAfter(Duration.ofSeconds(1)));
        if (line instanceof RingResponse.Answer answer) {
            call.schedule(leg, answer.after(), () -> {
                if (call.attempt == attempt && !call.over) {
                    call.calleeHangUpAfter = answer.hangUpAfter();
                    report(call, seq -> new CallEvent.CallAnswered(eventId(), call.callId, carrierNow(call), attempt, seq,
                            leg));
                }
            });
        } else if (line instanceof RingResponse.Decline decline) {
            call.schedule(leg, decline.after(), () -> reportFailure(call, attempt, 603, "declined"));
        } else if (line instanceof RingResponse.Busy) {
            call.schedule(leg, Duration.ofMillis(100), () -> reportFailure(call, attempt, 486, "busy here"));
        }
    }

    private void reportFailure(SwitchCall call, int attempt, int sipCode, String cause) {
        if (call.attempt == attempt && !call.over) {
            call.over = true;
            report(call, seq -> new CallEvent.CallFailed(eventId(), call.callId, carrierNow(call), attempt, seq, sipCode,
                    cause));
        }
    }

    private void bridgeToNumber(SwitchCall call, CallCommand.BridgeToNumber bridge) {
        if (call.bridged) {
            return;
        }
        call.bridged = true;
        int attempt = bridge.attempt();
        String leg = leg(call, bridge.providerId(), attempt);
        if (call.callerScript != null) {
            call.callerScript.hangUpAfterConnected().ifPresent(talk -> call.schedule(bridge.callerConnectionId(), talk,
                    () -> {
                        if (!call.over) {
                            call.over = true;
                            callerHangsUp(call);
                        }
                    }));
        }
        call.calleeHangUpAfter.ifPresent(talk -> call.schedule(leg, talk, () -> {
            if (!call.over) {
                call.over = true;
                call.legEndedAt = carrierNow(call);
                report(call, seq -> new CallEvent.CallHungUp(eventId(), call.callId, call.legEndedAt, attempt, seq,
                        Party.CALLEE));
            }
        }));
    }

    /**
     * The carrier's answer to "is this leg still up?", as a carrier's call-status request gives it: if the
     * callee's phone hung up, its end is reported (unsequenced, at the time it ended), whatever became of
     * the sequenced report of it.
     */
    private void checkNumber(SwitchCall call, CallCommand.CheckNumber check) {
        if (call.pstn && call.attempt == check.attempt() && call.legEndedAt != null) {
            publish(check.legEnded(call.legEndedAt));
        }
    }

    private static String leg(SwitchCall call, String providerId, int attempt) {
        return "pstn-" + providerId + "-" + call.callId + "-" + attempt;
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
        callerHangUp.ifPresent(talk -> call.schedule(caller.connectionId(), talk, () -> {
            if (!call.over) {
                call.over = true;
                callerHangsUp(call);
            }
        }));
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
            LOG.log(Level.DEBUG, () -> "switch reports " + LogMasking.text(Json.write(e)));
            reports.accept(e);
        }
    }

    private SwitchCall call(String callId) {
        return calls.computeIfAbsent(callId, SwitchCall::new);
    }

    private static String eventId() {
        return UUID.randomUUID().toString();
    }

    /** The legs of a call the switch was told to tear down: app connections and PSTN legs ("pstn-..."). */
    public Set<String> tornDown(String callId) {
        return Set.copyOf(call(callId).tornDown);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** The switch's view of one call. */
    private final class SwitchCall {
        final String callId;
        long sequence;
        volatile int attempt = 1;
        volatile boolean pstn;
        Device caller;
        CallerScript callerScript;
        volatile boolean rung;
        volatile boolean bridged;
        volatile boolean over;
        volatile Device answeredBy;
        volatile Optional<Duration> calleeHangUpAfter = Optional.empty();
        volatile String provider;
        /** When the callee's phone hung up the answered PSTN leg, if it did (by the carrier's clock). */
        volatile Instant legEndedAt;
        final Set<String> tornDown = ConcurrentHashMap.newKeySet();
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
