package dev.calling.carrier.chime;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.embedded.EmbeddedAws;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Test helper: what has been published to the real {@code call-state-changes.fifo} queue, in order. */
final class CallStateChangesQueue {

    private final EmbeddedAws aws;
    private final SqsClient sqs;

    CallStateChangesQueue(EmbeddedAws aws, SqsClient sqs) {
        this.aws = aws;
        this.sqs = sqs;
    }

    /** Everything on the queue now, in order, deleted as read. */
    List<CallEvent> drain() {
        return aws.drain(sqs, Resources.CALL_STATE_CHANGES, Duration.ZERO).stream()
                .map(m -> Json.readCallEvent(m.body())).toList();
    }
}
