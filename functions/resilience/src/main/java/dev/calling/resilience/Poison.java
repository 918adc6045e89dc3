package dev.calling.resilience;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallEvent;
import dev.calling.core.session.ConnectionEvent;
import dev.calling.embedded.EmbeddedAws;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Sends bad messages to the system's queues, straight through SQS (a broken producer, a bug, an
 * attacker with send rights). Every poison body contains {@value #MARK} so that it can be told
 * apart in the dead-letter queues from a real message that ended there (which would be a lost one).
 * <ul>
 * <li><b>garbage</b>: not JSON at all;</li>
 * <li><b>unknown type</b>: JSON whose {@code type} no function knows;</li>
 * <li><b>invalid</b>: a known type whose values break its rules (a negative switch sequence, no call id);</li>
 * <li><b>in a live call's message group</b>: garbage on call-state-changes.fifo in the group of a
 * call in progress, which holds that call's later events back until it goes to the DLQ;</li>
 * <li><b>for an unknown call</b>: a well-formed event, timer or command for a call that does not
 * exist. Not poison by design: the call state manager ignores an event for a call it has no record
 * of (unless it is a CallRequested), the switch treats a command for a call it does not know as done,
 * the session service ignores a heartbeat of an unknown connection. These are deleted, never
 * dead-lettered, and must not create a call.</li>
 * </ul>
 * On standard queues SQS's redrive moves a message to the DLQ after {@code maxReceiveCount} (5)
 * failed receives; on FIFO queues the same, per message.
 */
public final class Poison {

    public static final String MARK = "poison";

    private final SqsClient sqs;
    private final EmbeddedAws aws;
    private final FaultCounts counts;
    private final AtomicLong sent = new AtomicLong();
    private final Map<String, AtomicLong> expectedInDlq = new TreeMap<>();
    private final AtomicLong unknownCalls = new AtomicLong();
    private final java.util.List<String> ghosts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Set<String> poisonedCalls = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Poison(SqsClient sqs, EmbeddedAws aws, FaultCounts counts) {
        this.sqs = sqs;
        this.aws = aws;
        this.counts = counts;
        POISONED.forEach(q -> expectedInDlq.put(q.deadLetterName(), new AtomicLong()));
    }

    /**
     * The queues a consumer reads in the suite's stack: all but {@code meeting-events}, whose consumer is
     * the Chime switch (the suite runs the simulated switch, and Chime's meeting events never arrive
     * locally). {@code call-pushes} is read by the PushSender function, sending to the local SNS.
     */
    static final java.util.List<QueueDefinition> POISONED = Resources.QUEUES.stream()
            .filter(q -> !q.equals(Resources.MEETING_EVENTS)).toList();

    /** One round: every kind of poison on every queue, and messages for unknown calls. */
    public void round() {
        String id = MARK + "-" + UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now();
        for (QueueDefinition queue : POISONED) {
            poison(queue, id, MARK + " " + id + ": this is not JSON {{{", "garbage");
            poison(queue, id, "{\"type\":\"Teleported\",\"eventId\":\"" + id + "\",\"callId\":\"" + id + "\"}",
                    "unknown type");
        }
        // A known type with values its constructor refuses.
        String answered = Json.write(new CallEvent.CallAnswered(id + "-e", id + "-call", now, 1, 3, "c1"))
                .replace("\"switchSequence\":3", "\"switchSequence\":-3");
        poison(Resources.CALL_STATE_CHANGES, id, answered, "invalid values");
        poison(Resources.CALL_TIMERS, id, "{\"type\":\"RingTimeoutElapsed\",\"eventId\":\"" + id + "\"}", "invalid values");
        poison(Resources.SWITCH_COMMANDS, id, "{\"type\":\"RingCallee\",\"callId\":\"" + id + "\"}", "invalid values");
        poison(Resources.CALL_PUSHES, id, "{\"type\":\"PushCallee\",\"callId\":\"" + id + "\",\"kind\":\"RING\"}",
                "invalid values");
        poison(Resources.CONNECTION_EVENTS, id, "{\"type\":\"ConnectionOpened\",\"eventId\":\"" + id + "\"}",
                "invalid values");

        // Well-formed, for calls and connections that do not exist: ignored, not dead-lettered.
        String ghost = id + "-ghost";
        send(Resources.CALL_STATE_CHANGES, ghost, Json.write(new CallEvent.CallAnswered(ghost + "-e1", ghost, now, 1, 2,
                "c1")));
        send(Resources.CALL_STATE_CHANGES, ghost, Json.write(new CallEvent.CallHungUp(ghost + "-e2", ghost, now, 0, 0,
                dev.calling.core.call.Party.CALLER)));
        send(Resources.CALL_TIMERS, ghost, Json.write(CallEvent.RingTimeoutElapsed.of(ghost, now)));
        send(Resources.SWITCH_COMMANDS, ghost, Json.write(new CallCommand.ReleaseConnection(ghost, "nobody-c1")));
        send(Resources.CONNECTION_EVENTS, ghost, Json.write(new ConnectionEvent.ConnectionHeartbeat(ghost + "-e3",
                ghost + "-user", ghost + "-c1", now)));
        send(Resources.CALL_PUSHES, ghost, Json.write(new CallCommand.PushCallee(ghost, ghost + "-caller",
                ghost + "-user", dev.calling.core.push.PushKind.RING, java.util.List.of("nobody-phone"),
                now.plusSeconds(5))));
        unknownCalls.addAndGet(6);
        ghosts.add(ghost);
        counts.add("messages for unknown calls or connections (ignored by design)", 6);
    }

    /** Garbage in the message group of a call in progress: only that call waits for it. */
    public void intoCallGroup(String callId) {
        poison(Resources.CALL_STATE_CHANGES, callId, MARK + " in the group of " + callId + " {{{", "in a live call's group");
        poisonedCalls.add(callId);
    }

    /** The calls whose message group got a poison message. */
    public java.util.Set<String> poisonedCalls() {
        return java.util.Set.copyOf(poisonedCalls);
    }

    private void poison(QueueDefinition queue, String group, String body, String kind) {
        send(queue, group, body);
        expectedInDlq.get(queue.deadLetterName()).incrementAndGet();
        counts.add("poison: " + kind);
    }

    private void send(QueueDefinition queue, String group, String body) {
        String url = aws.queueUrl(queue);
        sqs.sendMessage(r -> {
            r.queueUrl(url).messageBody(body);
            if (queue.fifo()) {
                r.messageGroupId(group).messageDeduplicationId(UUID.randomUUID().toString());
            }
        });
        sent.incrementAndGet();
    }

    /** Poison sent per dead-letter queue (what each DLQ should hold at the end). */
    public Map<String, Long> expectedInDlq() {
        Map<String, Long> copy = new TreeMap<>();
        expectedInDlq.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    public long totalPoison() {
        return expectedInDlq.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public long unknownCallMessages() {
        return unknownCalls.get();
    }

    /** The call ids used by the messages for unknown calls: none of them may get a call record. */
    public java.util.List<String> unknownCallIds() {
        return java.util.List.copyOf(ghosts);
    }
}
