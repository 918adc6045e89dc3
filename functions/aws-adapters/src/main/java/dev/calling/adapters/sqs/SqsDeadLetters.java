package dev.calling.adapters.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.adapters.metrics.EmfCallMetrics;
import dev.calling.adapters.metrics.EmfLine;

/**
 * Puts a message that can never be read straight into its queue's dead-letter queue, so that it is
 * kept for an operator without being retried: on a FIFO queue, retrying it would hold every later
 * message of its group (its call) back for a visibility timeout per try. The dead-letter queue's URL is
 * the source queue's with the last part renamed as {@link QueueDefinition#deadLetterName()} says. Each is
 * counted as {@code MessagesDeadLettered} by {@code Queue} (an Embedded Metric Format line).
 */
public final class SqsDeadLetters implements SqsBatchProcessor.DeadLetters {

    private final software.amazon.awssdk.services.sqs.SqsClient sqs;
    private final java.util.List<Target> targets = new java.util.ArrayList<>();

    private record Target(QueueDefinition queue, String deadLetterUrl) {}

    public SqsDeadLetters(software.amazon.awssdk.services.sqs.SqsClient sqs) {
        this.sqs = sqs;
    }

    /** Messages of {@code queue}, found at {@code queueUrl}, go to its dead-letter queue. */
    public SqsDeadLetters of(QueueDefinition queue, String queueUrl) {
        if (!queueUrl.endsWith(queue.name())) {
            throw new IllegalArgumentException(queueUrl + " is not the URL of a queue named " + queue.name());
        }
        String deadLetterUrl = queueUrl.substring(0, queueUrl.length() - queue.name().length()) + queue.deadLetterName();
        targets.add(new Target(queue, deadLetterUrl));
        return this;
    }

    @Override
    public boolean keep(SQSMessage message) {
        Target target = targets.stream().filter(t -> QueueArn.names(message.getEventSourceArn(), t.queue())).findFirst()
                .orElse(null);
        if (target == null) {
            return false;
        }
        String group = message.getAttributes() == null ? null : message.getAttributes().get("MessageGroupId");
        sqs.sendMessage(r -> {
            r.queueUrl(target.deadLetterUrl()).messageBody(message.getBody() == null ? "" : message.getBody());
            if (target.queue().fifo()) {
                r.messageGroupId(group == null ? "unreadable" : group)
                        .messageDeduplicationId(DeduplicationIds.of("unreadable-" + message.getMessageId()));
            }
        });
        // Counted here; those SQS moves itself after the last retry show in the dead-letter queue's own metrics.
        System.out.println(EmfLine.of(EmfCallMetrics.NAMESPACE, java.time.Instant.now(), java.util.List.of(
                java.util.List.of("Queue"))).dimension("Queue", target.queue().name())
                .metric("MessagesDeadLettered", 1, "Count").property("messageId", message.getMessageId()));
        return true;
    }
}
