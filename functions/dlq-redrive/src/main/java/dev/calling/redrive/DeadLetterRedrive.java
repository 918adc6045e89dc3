package dev.calling.redrive;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.json.Json;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Moves the messages of a queue's dead-letter queue back to the queue, after an operator fixed what
 * made them fail. Plain Java over the SDK's {@link SqsClient}: the DlqRedrive Lambda and
 * {@code tools/redrive} both run it.
 *
 * <p>FIFO queues: each message goes back with its own message group id, one send at a time, a group's
 * messages in the order the dead-letter queue hands them out (the order they were dead-lettered); a
 * message is sent only after the one before it in its group was sent, and once a send or delete of a
 * group fails, the rest of that group stays in the dead-letter queue for the next run. The
 * deduplication id is {@code redrive-<dead-letter message id>}: a run that dies between sending and
 * deleting sends the same message again on the next run, and SQS drops that copy if it comes within
 * its 5-minute deduplication window (hence the short visibility timeout by default).
 * Standard queues: the same without group and deduplication id; a crash there can duplicate, which the
 * consumers tolerate as they tolerate any redelivery.
 *
 * <p>A run stops after {@code max} messages, when the dead-letter queue reads empty twice in a row, or
 * at a deadline. It logs one line and never a message body (bodies may carry tokens).
 */
public final class DeadLetterRedrive {

    public static final int DEFAULT_MAX = 10_000;
    /** Long enough to send and delete a batch of ten; short enough to fall well inside SQS's 5-minute dedup window. */
    public static final Duration DEFAULT_VISIBILITY_TIMEOUT = Duration.ofSeconds(60);
    /** A dry run holds the messages it counted until its end, so it counts each once; released explicitly. */
    public static final Duration DRY_RUN_HOLD = Duration.ofMinutes(15);
    static final int EMPTY_RECEIVES_TO_STOP = 2;
    static final int RECEIVE_WAIT_SECONDS = 1;
    static final String DEDUPLICATION_PREFIX = "redrive-";

    private static final System.Logger LOG = System.getLogger(DeadLetterRedrive.class.getName());

    /**
     * @param max messages to move (or count, in a dry run) at most
     * @param dryRun count without moving: messages are received and held until the end of the run, then
     *     made visible again; on a FIFO dead-letter queue that sees the first messages of each group
     *     only, as SQS hands out no more of a group while some are held
     * @param visibilityTimeout how long a received dead-letter message stays hidden while it is sent and
     *     deleted; a dry run holds what it counts for at least {@link #DRY_RUN_HOLD} (released at its end)
     * @param deadline no receive after this instant (the Lambda's remaining time)
     */
    public record Options(int max, boolean dryRun, Duration visibilityTimeout, Optional<Instant> deadline) {

        public Options {
            if (max < 1) {
                throw new IllegalArgumentException("max must be at least 1, was " + max);
            }
            Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
            if (visibilityTimeout.toSeconds() < 1 || visibilityTimeout.compareTo(Duration.ofHours(12)) > 0) {
                throw new IllegalArgumentException("visibility timeout must be 1 s to 12 h, was " + visibilityTimeout);
            }
            Objects.requireNonNull(deadline, "deadline");
        }

        public static Options defaults() {
            return new Options(DEFAULT_MAX, false, DEFAULT_VISIBILITY_TIMEOUT, Optional.empty());
        }

        public Options withMax(int max) {
            return new Options(max, dryRun, visibilityTimeout, deadline);
        }

        public Options withDryRun(boolean dryRun) {
            return new Options(max, dryRun, visibilityTimeout, deadline);
        }

        public Options withVisibilityTimeout(Duration visibilityTimeout) {
            return new Options(max, dryRun, visibilityTimeout, deadline);
        }

        public Options withDeadline(Instant deadline) {
            return new Options(max, dryRun, visibilityTimeout, Optional.of(deadline));
        }
    }

    /** Why a run ended. */
    public enum Stop {
        /** The dead-letter queue read empty (or held only messages this run had to leave). */
        DRAINED,
        /** {@code max} messages handled; run again for the rest. */
        MAX_REACHED,
        /** The deadline came first; run again for the rest. */
        DEADLINE,
        /** Reading the dead-letter queue failed (after the SDK's retries); the report says what was moved before. */
        RECEIVE_FAILED
    }

    /**
     * A message that was not moved; it is still in the dead-letter queue (made visible again at the end of the run).
     *
     * @param messageId null for a failed {@code receive}
     * @param step {@code send}, {@code delete} (it was sent: a re-run within 5 minutes will not duplicate it on a
     *     FIFO queue), {@code release}, {@code read} or {@code receive}
     * @param messageGroupId null on a standard queue
     */
    public record Failure(String messageId, String messageGroupId, String step, String reason) {}

    /**
     * What a run did.
     *
     * @param moved messages sent to the queue and deleted from its dead-letter queue
     * @param peeked messages counted by a dry run (0 otherwise)
     * @param groups on a FIFO queue, per message group the messages moved (or peeked), in first-seen order
     * @param approximateMessagesBefore the dead-letter queue's ApproximateNumberOfMessages before the run
     */
    public record Report(String queue, String deadLetterQueue, boolean dryRun, int moved, int peeked,
            Map<String, Integer> groups, List<Failure> failures, Stop stop, long approximateMessagesBefore) {}

    /** A queue name that is not one of {@link Resources#QUEUES}. */
    public static final class UnknownQueueException extends IllegalArgumentException {

        UnknownQueueException(String message) {
            super(message);
        }
    }

    private final SqsClient sqs;
    private final String namePrefix;
    private final Clock clock;

    /**
     * @param namePrefix what comes before the names of {@link Resources} in this account: empty locally,
     *     {@code calling-<stage>} in AWS (the CDK app names queues {@code calling-<stage>-<name>})
     */
    public DeadLetterRedrive(SqsClient sqs, String namePrefix, Clock clock) {
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        String prefix = namePrefix == null ? "" : namePrefix.strip();
        this.namePrefix = prefix.endsWith("-") ? prefix.substring(0, prefix.length() - 1) : prefix;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The queue of {@link Resources#QUEUES} with this name (its own name, not its dead-letter queue's). */
    public static QueueDefinition knownQueue(String name) {
        for (QueueDefinition queue : Resources.QUEUES) {
            if (queue.name().equals(name)) {
                return queue;
            }
        }
        String known = String.join(", ", knownQueueNames());
        for (QueueDefinition queue : Resources.QUEUES) {
            if (queue.deadLetterName().equals(name)) {
                throw new UnknownQueueException("'" + name + "' is the dead-letter queue of " + queue.name()
                        + ": give the queue to redrive to, one of " + known);
            }
        }
        throw new UnknownQueueException("unknown queue '" + name + "': known queues are " + known);
    }

    public static List<String> knownQueueNames() {
        return Resources.QUEUES.stream().map(QueueDefinition::name).toList();
    }

    /** The queue's name in this account ({@code calling-prod-call-state-changes.fifo} for prefix {@code calling-prod}). */
    public String physicalName(String name) {
        return namePrefix.isEmpty() ? name : namePrefix + "-" + name;
    }

    public Report redrive(QueueDefinition queue, Options options) {
        String sourceUrl = queueUrl(physicalName(queue.name()));
        String deadLetterUrl = queueUrl(physicalName(queue.deadLetterName()));
        long before = approximateMessages(deadLetterUrl);
        Run run = new Run(queue, options, sourceUrl, deadLetterUrl);
        Stop stop;
        try {
            stop = run.execute();
        } finally {
            run.releaseLeftovers();
        }
        Report report = new Report(physicalName(queue.name()), physicalName(queue.deadLetterName()), options.dryRun(),
                run.moved, run.peeked, Collections.unmodifiableMap(new LinkedHashMap<>(run.groups)),
                List.copyOf(run.failures), stop, before);
        log(report);
        return report;
    }

    private String queueUrl(String name) {
        try {
            return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
        } catch (QueueDoesNotExistException e) {
            throw new IllegalStateException("queue " + name + " does not exist here (name prefix '" + namePrefix
                    + "'; in AWS it is calling-<stage>)", e);
        }
    }

    private long approximateMessages(String url) {
        String count = sqs.getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        return count == null ? -1 : Long.parseLong(count);
    }

    /** One line per run, as data; message ids of failures only, never a body. */
    private static void log(Report report) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("function", "DlqRedrive");
        line.put("queue", report.queue());
        line.put("deadLetterQueue", report.deadLetterQueue());
        line.put("dryRun", report.dryRun());
        line.put("moved", report.moved());
        line.put("peeked", report.peeked());
        line.put("groups", report.groups().size());
        line.put("failures", report.failures().size());
        line.put("stop", report.stop().name());
        line.put("approximateMessagesBefore", report.approximateMessagesBefore());
        if (!report.failures().isEmpty()) {
            line.put("failedMessageIds", report.failures().stream().map(Failure::messageId)
                    .filter(Objects::nonNull).limit(20).toList());
        }
        LOG.log(report.failures().isEmpty() ? Level.INFO : Level.WARNING, Json.writeView(line));
    }

    /** The state of one run. */
    private final class Run {

        private final QueueDefinition queue;
        private final Options options;
        private final String sourceUrl;
        private final String deadLetterUrl;
        private final Map<String, Integer> groups = new LinkedHashMap<>();
        private final List<Failure> failures = new ArrayList<>();
        /** Message ids this run counted, moved or gave up on: a redelivery of one is not new. */
        private final Set<String> handled = new HashSet<>();
        /** FIFO groups that had a failure: nothing more of them is sent in this run. */
        private final Set<String> stoppedGroups = new HashSet<>();
        /** Messages received and not deleted, by id, with their latest receipt handle: made visible at the end. */
        private final Map<String, String> held = new LinkedHashMap<>();
        private int moved;
        private int peeked;

        Run(QueueDefinition queue, Options options, String sourceUrl, String deadLetterUrl) {
            this.queue = queue;
            this.options = options;
            this.sourceUrl = sourceUrl;
            this.deadLetterUrl = deadLetterUrl;
        }

        Stop execute() {
            int visibilitySeconds = (int) (options.dryRun() && options.visibilityTimeout().compareTo(DRY_RUN_HOLD) < 0
                    ? DRY_RUN_HOLD : options.visibilityTimeout()).toSeconds();
            int emptyReceives = 0;
            while (true) {
                int budget = options.max() - moved - peeked - failures.size();
                if (budget <= 0) {
                    return Stop.MAX_REACHED;
                }
                if (options.deadline().isPresent() && !clock.instant().isBefore(options.deadline().get())) {
                    return Stop.DEADLINE;
                }
                List<Message> received;
                try {
                    received = sqs.receiveMessage(r -> r.queueUrl(deadLetterUrl)
                            .maxNumberOfMessages(Math.min(10, budget)).waitTimeSeconds(RECEIVE_WAIT_SECONDS)
                            .visibilityTimeout(visibilitySeconds)
                            .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)
                            .messageAttributeNames("All")).messages();
                } catch (SdkException e) {
                    // A report of what was moved so far is worth more to the operator than the exception.
                    failures.add(new Failure(null, null, "receive", e.getMessage()));
                    return Stop.RECEIVE_FAILED;
                }
                List<Message> fresh = new ArrayList<>();
                for (Message message : received) {
                    if (handled.contains(message.messageId()) || stoppedGroups.contains(groupOf(message))) {
                        held.put(message.messageId(), message.receiptHandle()); // left for the next run
                    } else {
                        fresh.add(message);
                    }
                }
                if (fresh.isEmpty()) {
                    if (++emptyReceives >= EMPTY_RECEIVES_TO_STOP) {
                        return Stop.DRAINED;
                    }
                    continue;
                }
                emptyReceives = 0;
                if (options.dryRun()) {
                    peek(fresh);
                } else if (queue.fifo()) {
                    moveFifo(fresh);
                } else {
                    moveStandard(fresh);
                }
            }
        }

        private void peek(List<Message> messages) {
            for (Message message : messages) {
                handled.add(message.messageId());
                held.put(message.messageId(), message.receiptHandle());
                peeked++;
                countGroup(message);
            }
        }

        /**
         * One send per message, a group's in receive order. Not SendMessageBatch: its entries succeed or fail
         * one by one, so a failed entry could leave a later message of its group sent ahead of it.
         */
        private void moveFifo(List<Message> messages) {
            Map<String, List<Message>> byGroup = new LinkedHashMap<>();
            for (Message message : messages) {
                String group = groupOf(message);
                if (group == null) {
                    fail(message, "read", "no MessageGroupId on a message of a FIFO queue");
                    continue;
                }
                byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(message);
            }
            List<Message> sent = new ArrayList<>();
            for (Map.Entry<String, List<Message>> group : byGroup.entrySet()) {
                for (Message message : group.getValue()) {
                    if (stoppedGroups.contains(group.getKey())) {
                        held.put(message.messageId(), message.receiptHandle()); // after a failed one: next run
                        continue;
                    }
                    try {
                        sqs.sendMessage(r -> r.queueUrl(sourceUrl).messageBody(message.body())
                                .messageAttributes(message.messageAttributes()).messageGroupId(group.getKey())
                                .messageDeduplicationId(DEDUPLICATION_PREFIX + message.messageId()));
                        sent.add(message);
                    } catch (SdkException e) {
                        fail(message, "send", e.getMessage());
                    }
                }
            }
            delete(sent);
        }

        private void moveStandard(List<Message> messages) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                Message message = messages.get(i);
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(message.body())
                        .messageAttributes(message.messageAttributes()).build());
            }
            List<Message> sent = new ArrayList<>();
            try {
                SendMessageBatchResponse response = sqs.sendMessageBatch(r -> r.queueUrl(sourceUrl).entries(entries));
                response.successful().forEach(ok -> sent.add(messages.get(Integer.parseInt(ok.id()))));
                for (BatchResultErrorEntry error : response.failed()) {
                    fail(messages.get(Integer.parseInt(error.id())), "send", error.code() + ": " + error.message());
                }
            } catch (SdkException batchRefused) {
                // The whole batch was refused (e.g. over the batch size limit): one by one instead.
                for (Message message : messages) {
                    try {
                        sqs.sendMessage(r -> r.queueUrl(sourceUrl).messageBody(message.body())
                                .messageAttributes(message.messageAttributes()));
                        sent.add(message);
                    } catch (SdkException e) {
                        fail(message, "send", e.getMessage());
                    }
                }
            }
            delete(sent);
        }

        private void delete(List<Message> sent) {
            if (sent.isEmpty()) {
                return;
            }
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
                        .receiptHandle(sent.get(i).receiptHandle()).build());
            }
            try {
                DeleteMessageBatchResponse response = sqs.deleteMessageBatch(r -> r.queueUrl(deadLetterUrl).entries(entries));
                response.successful().forEach(ok -> moved(sent.get(Integer.parseInt(ok.id()))));
                for (BatchResultErrorEntry error : response.failed()) {
                    fail(sent.get(Integer.parseInt(error.id())), "delete", error.code() + ": " + error.message());
                }
            } catch (SdkException e) {
                sent.forEach(message -> fail(message, "delete", e.getMessage()));
            }
        }

        private void moved(Message message) {
            handled.add(message.messageId());
            moved++;
            countGroup(message);
        }

        private void fail(Message message, String step, String reason) {
            handled.add(message.messageId());
            held.put(message.messageId(), message.receiptHandle());
            String group = groupOf(message);
            if (group != null) {
                stoppedGroups.add(group);
            }
            failures.add(new Failure(message.messageId(), group, step, reason));
        }

        private void countGroup(Message message) {
            String group = groupOf(message);
            if (group != null) {
                groups.merge(group, 1, Integer::sum);
            }
        }

        private String groupOf(Message message) {
            return queue.fifo() ? message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID) : null;
        }

        /** What this run received and did not delete becomes visible again now, for the next run or a consumer. */
        void releaseLeftovers() {
            List<Map.Entry<String, String>> leftovers = new ArrayList<>(held.entrySet());
            for (int from = 0; from < leftovers.size(); from += 10) {
                List<Map.Entry<String, String>> chunk = leftovers.subList(from, Math.min(from + 10, leftovers.size()));
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < chunk.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(chunk.get(i).getValue()).visibilityTimeout(0).build());
                }
                try {
                    var response = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(deadLetterUrl).entries(entries));
                    for (BatchResultErrorEntry error : response.failed()) {
                        releaseFailed(chunk.get(Integer.parseInt(error.id())).getKey(), error.code() + ": " + error.message());
                    }
                } catch (SdkException e) {
                    chunk.forEach(entry -> releaseFailed(entry.getKey(), e.getMessage()));
                }
            }
        }

        /** Not worth failing the run for: the message shows again when its visibility timeout ends. */
        private void releaseFailed(String messageId, String reason) {
            if (failures.stream().noneMatch(f -> messageId.equals(f.messageId()))) {
                failures.add(new Failure(messageId, null, "release", reason + " (visible again after the timeout)"));
            }
        }
    }
}
