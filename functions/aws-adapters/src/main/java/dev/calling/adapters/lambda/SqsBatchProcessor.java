package dev.calling.adapters.lambda;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import com.amazonaws.services.lambda.runtime.Context;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.core.privacy.LogMasking;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Processes a Lambda SQS batch message by message and reports partial failures
 * (ReportBatchItemFailures): a message that throws is retried alone, the rest of the batch is
 * deleted. On a FIFO queue, once a message of a message group fails, the later messages of that
 * group in the batch are not processed and are reported failed too, so their order is kept;
 * other groups go on. A message that cannot be read at all ({@link MalformedMessage}) is put straight
 * into the dead-letter queue (given {@link DeadLetters}) and taken off its queue, so that it holds
 * nothing back: a failed message of a FIFO group would hold the group's later messages for a
 * visibility timeout per try.
 *
 * <p>Each message is handled in its own {@link LogContext} (the consumer's name as the function, the Lambda
 * request id, the message id as the event id), so every line logged while handling it says which it was.
 *
 * <p>Written here rather than taken from Powertools' batch module because that version is not on
 * this build's Maven repository, and its FIFO mode stops the whole batch at the first failure,
 * where per-group skipping is what keeps one poison call from delaying every other call.
 */
public final class SqsBatchProcessor {

    /** Handles one message; throws to have it retried. */
    @FunctionalInterface
    public interface MessageHandler {
        void handle(SQSMessage message) throws Exception;
    }

    /** Where a message that can never be read is kept. */
    @FunctionalInterface
    public interface DeadLetters {
        /** Keeps the message; false when it has nowhere to go (it is then retried and dead-lettered by SQS). */
        boolean keep(SQSMessage message);

        DeadLetters NONE = message -> false;
    }

    private static final System.Logger LOG = System.getLogger(SqsBatchProcessor.class.getName());

    private final String name;
    private final int maxReceiveCount;
    private final DeadLetters deadLetters;

    /**
     * @param name the consumer's name (the component's, such as {@code CallStateManager}), for log lines
     * @param maxReceiveCount the queue's redrive setting, so the log can say when a message goes to the DLQ
     */
    public SqsBatchProcessor(String name, int maxReceiveCount) {
        this(name, maxReceiveCount, DeadLetters.NONE);
    }

    public SqsBatchProcessor(String name, int maxReceiveCount, DeadLetters deadLetters) {
        this.name = name;
        this.maxReceiveCount = maxReceiveCount;
        this.deadLetters = deadLetters;
    }

    /** Processes the batch outside a Lambda invocation (a local consumer): no request id on the log lines. */
    public SQSBatchResponse process(SQSEvent event, MessageHandler handler) {
        return process(event, null, handler);
    }

    /** Processes the batch of the Lambda invocation {@code lambda}. */
    public SQSBatchResponse process(SQSEvent event, Context lambda, MessageHandler handler) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        Set<String> failedGroups = new HashSet<>();
        List<SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        for (SQSMessage message : records) {
            String group = message.getAttributes() == null ? null : message.getAttributes().get("MessageGroupId");
            if (group != null && failedGroups.contains(group)) {
                failures.add(failure(message));
                continue;
            }
            try (LogContext logged = LogContext.event(name, lambda, message.getMessageId())) {
                handle(message, handler, group, failures, failedGroups);
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    private void handle(SQSMessage message, MessageHandler handler, String group,
            List<SQSBatchResponse.BatchItemFailure> failures, Set<String> failedGroups) {
        try {
            handler.handle(message);
        } catch (MalformedMessage unreadable) {
            // Does not hold its group back: holding the group would delay the call's later events,
            // or take them to the dead-letter queue with it (found by the fault suite).
            if (keptAside(message)) {
                LOG.log(Level.ERROR, () -> name + ": message " + message.getMessageId()
                        + " cannot be read; put in the dead-letter queue at once: "
                        + LogMasking.text(unreadable.toString()));
            } else {
                failures.add(failure(message));
                log(message, unreadable);
            }
        } catch (Exception e) {
            failures.add(failure(message));
            if (group != null) {
                failedGroups.add(group);
            }
            log(message, e);
        }
    }

    private boolean keptAside(SQSMessage message) {
        try {
            return deadLetters.keep(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, () -> name + ": could not dead-letter message " + message.getMessageId() + ": " + e);
            return false;
        }
    }

    private void log(SQSMessage message, Exception e) {
        int received = receiveCount(message);
        String fate = received >= maxReceiveCount
                ? "this was its last try: it goes to the dead-letter queue"
                : "it will be retried (try " + received + " of " + maxReceiveCount + ")";
        LOG.log(Level.ERROR, () -> name + ": message " + message.getMessageId() + " failed, " + fate + ": "
                + LogMasking.text(String.valueOf(e)) + " | body: " + LogMasking.text(abbreviate(message.getBody())));
    }

    private static int receiveCount(SQSMessage message) {
        try {
            return Integer.parseInt(message.getAttributes().get("ApproximateReceiveCount"));
        } catch (RuntimeException unknown) {
            return 1;
        }
    }

    private static SQSBatchResponse.BatchItemFailure failure(SQSMessage message) {
        return SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(message.getMessageId()).build();
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "(null)";
        }
        return body.length() <= 300 ? body : body.substring(0, 300) + "...";
    }
}
