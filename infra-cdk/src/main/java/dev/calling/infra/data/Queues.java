package dev.calling.infra.data;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.sqs.CfnQueue;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.DeduplicationScope;
import software.amazon.awscdk.services.sqs.FifoThroughputLimit;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * Every queue of {@link Resources#QUEUES} with its dead-letter queue and redrive policy, as the
 * definition says (FIFO, visibility timeout, retention, maxReceiveCount). Encrypted with SQS-managed
 * keys, TLS only. A queue added to Resources appears here without a change.
 */
public final class Queues extends Construct {

    /** A dead-letter queue keeps what it holds for SQS's maximum, so an operator has time to look. */
    static final Duration DEAD_LETTER_RETENTION = Duration.days(14);

    /** One queue of Resources as deployed. */
    public record DeployedQueue(QueueDefinition definition, Queue queue, Queue deadLetterQueue) {}

    private final Map<String, DeployedQueue> byName = new LinkedHashMap<>();

    public Queues(Construct scope, String id, PhysicalNames names) {
        this(scope, id, names, Resources.QUEUES);
    }

    public Queues(Construct scope, String id, PhysicalNames names, List<QueueDefinition> definitions) {
        super(scope, id);
        for (QueueDefinition definition : definitions) {
            String logicalId = PhysicalNames.pascal(definition.name()) + "Queue";
            Queue deadLetter = fifo(Queue.Builder.create(this, logicalId + "Dlq"), definition)
                    .queueName(names.deadLetterQueue(definition))
                    .retentionPeriod(DEAD_LETTER_RETENTION)
                    .build();
            Queue queue = fifo(Queue.Builder.create(this, logicalId), definition)
                    .queueName(names.queue(definition))
                    .visibilityTimeout(Duration.seconds(definition.visibilityTimeout().toSeconds()))
                    .retentionPeriod(Duration.seconds(definition.retention().toSeconds()))
                    .deadLetterQueue(DeadLetterQueue.builder().queue(deadLetter)
                            .maxReceiveCount(definition.maxReceiveCount()).build())
                    .build();
            // Stable logical ids: a renamed construct must not replace a queue holding messages.
            ((CfnQueue) deadLetter.getNode().getDefaultChild()).overrideLogicalId(logicalId + "Dlq");
            Nag.suppress(deadLetter, "Serverless-SQSRedrivePolicy", Nag.DEAD_LETTER_QUEUE_HAS_NO_REDRIVE);
            ((CfnQueue) queue.getNode().getDefaultChild()).overrideLogicalId(logicalId);
            byName.put(definition.name(), new DeployedQueue(definition, queue, deadLetter));
        }
    }

    private static Queue.Builder fifo(Queue.Builder builder, QueueDefinition definition) {
        builder.encryption(QueueEncryption.SQS_MANAGED).enforceSsl(true);
        if (definition.fifo()) {
            // Deduplication ids are always set from event ids, never from the body. High-throughput
            // FIFO (dedup and throughput per message group): each call is its own group, so the
            // queue scales with calls instead of stopping at 300 messages/s.
            builder.fifo(true).contentBasedDeduplication(false)
                    .deduplicationScope(DeduplicationScope.MESSAGE_GROUP)
                    .fifoThroughputLimit(FifoThroughputLimit.PER_MESSAGE_GROUP_ID);
        }
        return builder;
    }

    public DeployedQueue queue(QueueDefinition definition) {
        return byName.get(definition.name());
    }

    public Map<String, DeployedQueue> byName() {
        return Map.copyOf(byName);
    }
}
