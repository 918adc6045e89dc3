package dev.calling.embedded;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * For tests: reads what was published to the embedded {@code call-state-changes.fifo}, deleting it so
 * later reads start clean (the carrier adapters' tests share it).
 *
 * <p>It does not wait: the adapters under test publish before they return, and ElasticMQ shows a message to
 * the next receive, so what is not there now was not published. (A long poll would cost every test that expects
 * nothing, and the clean-up before each test, its whole wait.)
 */
public final class CallStateChangesQueue {

    private final EmbeddedAws aws;
    private final SqsClient sqs;

    public CallStateChangesQueue(EmbeddedAws aws, SqsClient sqs) {
        this.aws = aws;
        this.sqs = sqs;
    }

    public String url() {
        return aws.queueUrl(Resources.CALL_STATE_CHANGES);
    }

    /** Every message now on the queue, in order, deleted as read. */
    public List<Message> drainMessages() {
        return aws.drain(sqs, Resources.CALL_STATE_CHANGES, Duration.ZERO);
    }

    public List<CallEvent> drain() {
        return drainMessages().stream().map(m -> Json.readCallEvent(m.body())).toList();
    }
}
