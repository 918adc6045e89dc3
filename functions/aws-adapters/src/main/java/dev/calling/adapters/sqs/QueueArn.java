package dev.calling.adapters.sqs;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** A queue's ARN, which SQS gives only as a queue attribute (a redrive policy and an event source name it). */
public final class QueueArn {

    private QueueArn() {}

    /**
     * Whether a Lambda SQS record's {@code eventSourceArn} names {@code queue}: its last part is the queue's
     * name, or the name behind a deployment's prefix ({@code calling-<stage>-call-timers} in AWS).
     */
    public static boolean names(String eventSourceArn, dev.calling.adapters.Resources.QueueDefinition queue) {
        if (eventSourceArn == null) {
            return false;
        }
        String name = eventSourceArn.substring(eventSourceArn.lastIndexOf(':') + 1);
        return name.equals(queue.name()) || name.endsWith("-" + queue.name());
    }

    /** Asks SQS for the ARN of the queue at {@code queueUrl} (one GetQueueAttributes). */
    public static String of(SqsClient sqs, String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }
}
