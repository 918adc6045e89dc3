package dev.calling.carrier.rest;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.embedded.EmbeddedAws;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** Reads what was published to the embedded {@code call-state-changes.fifo}, deleting it so later reads start clean. */
final class CallStateChangesQueue {

    private final SqsClient sqs;
    private final String url;

    CallStateChangesQueue(EmbeddedAws aws, SqsClient sqs) {
        this.sqs = sqs;
        this.url = aws.queueUrl(Resources.CALL_STATE_CHANGES);
    }

    String url() {
        return url;
    }

    /** Every message now on the queue (waits up to a second for the first). */
    List<Message> drainMessages() {
        List<Message> all = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(all.isEmpty() ? 1 : 0)).messages();
            if (batch.isEmpty()) {
                return all;
            }
            // Delete: an undeleted FIFO message would hold back the rest of its group.
            batch.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
            all.addAll(batch);
        }
    }

    List<CallEvent> drain() {
        return drainMessages().stream().map(m -> Json.readCallEvent(m.body())).toList();
    }
}
