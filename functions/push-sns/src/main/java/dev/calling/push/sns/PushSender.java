package dev.calling.push.sns;

import dev.calling.core.call.CallCommand;
import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import dev.calling.core.push.PushKind;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Carries out a {@link CallCommand.PushCallee}: the callee's devices the command names (one unregistered since
 * gets nothing), each on its own:
 *
 * <ol>
 *   <li>the push's marker is claimed ({@link PushMarkers}); if it was there, the push is someone else's or was
 *       sent already, and this device is done: one push per device, call and kind, however often the command
 *       is delivered, concurrently or not;
 *   <li>the push is sent ({@link SnsPushGateway});
 *   <li>a token the service rejects removes the device (if it still has that token) and is not retried; a
 *       failure that certainly sent nothing releases the marker and is remembered; a Publish without an answer
 *       keeps the marker (it may have gone out: at most once).
 * </ol>
 *
 * After every device was tried, a remembered failure fails the command, so SQS delivers it again (three
 * tries, then the dead-letter queue) and the released markers let only those pushes go out again. A ring
 * whose ringing has ended is not sent.
 */
public final class PushSender {

    private static final System.Logger LOG = System.getLogger(PushSender.class.getName());

    private final Devices devices;
    private final PushMarkers markers;
    private final SnsPushGateway gateway;
    private final Clock clock;

    public PushSender(Devices devices, PushMarkers markers, SnsPushGateway gateway, Clock clock) {
        this.devices = devices;
        this.markers = markers;
        this.gateway = gateway;
        this.clock = clock;
    }

    /** Some pushes certainly did not go out and are worth another try: the command is to be delivered again. */
    public static final class PushesFailed extends RuntimeException {
        public PushesFailed(String message) {
            super(message);
        }
    }

    /** What became of each named device, for logs and tests. */
    public record Report(List<String> sent, List<String> skipped, List<String> duplicates, List<String> rejected,
            List<String> failed, List<String> refused, List<String> unknown, List<String> deferred) {}

    /**
     * How much time a device's push needs at least (an endpoint and a Publish, two SNS requests, with room for
     * one retry): a device is not started with less left before the deadline, so the invocation does not end
     * mid-push; it is deferred (no marker claimed) and sent when the command comes back.
     */
    public static final Duration DEVICE_BUDGET = Duration.ofSeconds(1);

    /** Sends the push with no deadline (tests, the local system). */
    public Report handle(CallCommand.PushCallee push) {
        return handle(push, Instant.MAX);
    }

    /**
     * Sends the push to each named device, starting none whose push could not end before {@code deadline} (the
     * invocation's end): those are deferred and the command fails, so SQS delivers it again for them alone.
     */
    public Report handle(CallCommand.PushCallee push, Instant deadline) {
        Report report = new Report(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        if (push.kind() == PushKind.RING && ended(push, clock.instant())) {
            LOG.log(Level.INFO, () -> "call " + push.callId() + ": RING not sent, its ringing ended at " + push.ringUntil());
            return report;
        }
        Set<String> named = new HashSet<>(push.deviceIds());
        List<Device> targets = devices.of(push.calleeUserId()).stream()
                .filter(device -> named.contains(device.deviceId())).toList();
        if (targets.size() < named.size()) {
            LOG.log(Level.INFO, () -> "call " + push.callId() + ": " + (named.size() - targets.size()) + " of "
                    + named.size() + " devices unregistered since, nothing sent to them");
        }
        for (Device device : targets) {
            if (clock.instant().plus(DEVICE_BUDGET).isAfter(deadline)) {
                report.deferred().add(device.deviceId());
                continue;
            }
            pushTo(device, push, report);
        }
        LOG.log(Level.INFO, () -> "call " + push.callId() + ": " + push.kind() + " to " + push.calleeUserId() + ": "
                + summary(report));
        if (!report.failed().isEmpty() || !report.deferred().isEmpty()) {
            throw new PushesFailed("call " + push.callId() + ": " + push.kind() + " push to " + report.failed().size()
                    + " device(s) failed and to " + report.deferred().size() + " deferred for lack of time, will be"
                    + " retried: " + report.failed() + " " + report.deferred());
        }
        return report;
    }

    private void pushTo(Device device, CallCommand.PushCallee push, Report report) {
        String deviceId = device.deviceId();
        Optional<String> skip = gateway.skipReason(device, push.kind(), push.callId());
        if (skip.isPresent()) {
            report.skipped().add(deviceId);
            LOG.log(Level.DEBUG, () -> "call " + push.callId() + ": " + push.kind() + " to " + device + " skipped: "
                    + skip.get());
            return;
        }
        Instant now = clock.instant();
        if (push.kind() == PushKind.RING && ended(push, now)) {
            report.skipped().add(deviceId); // the ringing ended while earlier devices were pushed
            return;
        }
        String key = PushMarkers.key(push.callId(), deviceId, push.kind());
        if (!markers.claim(key, now)) {
            report.duplicates().add(deviceId);
            LOG.log(Level.INFO, () -> "call " + push.callId() + ": " + push.kind() + " to " + device
                    + " sent or being sent already, not again");
            return;
        }
        PushOutcome outcome;
        try {
            outcome = gateway.send(device, push, clock.instant());
        } catch (RuntimeException unexpected) {
            // Not known whether it went out: the marker stays (at most once).
            outcome = new PushOutcome.Ambiguous(unexpected.toString());
        }
        record(device, push, key, outcome, report);
    }

    private void record(Device device, CallCommand.PushCallee push, String key, PushOutcome outcome, Report report) {
        String deviceId = device.deviceId();
        String about = "call " + push.callId() + ": " + push.kind() + " to " + device + ": ";
        if (outcome instanceof PushOutcome.Sent sent) {
            report.sent().add(deviceId);
            LOG.log(Level.DEBUG, () -> about + "sent, SNS message " + sent.messageId());
        } else if (outcome instanceof PushOutcome.Skipped skipped) {
            report.skipped().add(deviceId);
            LOG.log(Level.DEBUG, () -> about + "skipped: " + skipped.reason());
        } else if (outcome instanceof PushOutcome.TokenRejected rejected) {
            report.rejected().add(deviceId);
            if (rejected.token().equals(device.token())) {
                boolean removed = devices.removeIfToken(device.userId(), deviceId, rejected.token());
                LOG.log(Level.WARNING, () -> about + "token " + Redact.tail(rejected.token()) + " rejected ("
                        + rejected.reason() + "), device " + (removed ? "removed" : "already re-registered or gone"));
            } else {
                // The alert token: the VoIP token may still be good, and the port cannot drop the alert token alone.
                LOG.log(Level.WARNING, () -> about + "alert token " + Redact.tail(rejected.token()) + " rejected ("
                        + rejected.reason() + "), device kept for its VoIP token");
            }
        } else if (outcome instanceof PushOutcome.Retryable retryable) {
            report.failed().add(deviceId);
            try {
                markers.release(key);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, () -> about + "marker could not be released, the retry will not send: " + e);
            }
            LOG.log(Level.WARNING, () -> about + "failed, will be retried: " + retryable.reason());
        } else if (outcome instanceof PushOutcome.Refused refused) {
            report.refused().add(deviceId); // not retried: another try would be refused the same way
            try {
                markers.release(key); // certainly not sent: a later delivery of the command may try again
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, () -> about + "marker could not be released: " + e);
            }
            LOG.log(Level.ERROR, () -> about + "refused, not retried: " + refused.reason());
        } else if (outcome instanceof PushOutcome.Ambiguous ambiguous) {
            report.unknown().add(deviceId);
            LOG.log(Level.WARNING, () -> about + "no answer, may have been sent, not sent again: " + ambiguous.reason());
        }
    }

    private static boolean ended(CallCommand.PushCallee push, Instant now) {
        return push.ringUntil() == null || !now.isBefore(push.ringUntil());
    }

    private static String summary(Report report) {
        return report.sent().size() + " sent, " + report.skipped().size() + " skipped, " + report.duplicates().size()
                + " already sent, " + report.rejected().size() + " token(s) rejected, " + report.failed().size()
                + " failed, " + report.refused().size() + " refused, " + report.unknown().size() + " unknown, "
                + report.deferred().size() + " deferred";
    }
}
