package dev.calling.switching.chime;

import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import java.lang.System.Logger.Level;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Shortens a failed message's visibility timeout so that SQS delivers it again after the given
 * delay rather than after the queue's full timeout (ChangeMessageVisibility). If that fails, the
 * queue's own timeout applies: later, never lost.
 */
public final class SqsRetryDelay implements ChimeSwitchFunction.RetryDelay {

    private static final System.Logger LOG = System.getLogger(SqsRetryDelay.class.getName());

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsRetryDelay(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void retryIn(SQSMessage message, int seconds) {
        try {
            sqs.changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(message.getReceiptHandle())
                    .visibilityTimeout(seconds));
        } catch (SdkException e) {
            LOG.log(Level.WARNING, "could not shorten the retry delay of message " + message.getMessageId() + ": " + e);
        }
    }
}
