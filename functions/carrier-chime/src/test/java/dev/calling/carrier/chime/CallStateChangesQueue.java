package dev.calling.carrier.chime;

import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.embedded.EmbeddedAws;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** Test helper: what has been published to the real {@code call-state-changes.fifo} queue, in order. */
final class CallStateChangesQueue {

    private final SqsClient sqs;
    private final String url;

    CallStateChangesQueue(EmbeddedAws aws, SqsClient sqs) {
        this.sqs = sqs;
        this.url = aws.queueUrl(Resources.CALL_STATE_CHANGES);
    }

    /** Everything on the queue now, deleted as read (an undeleted FIFO message holds back its group). */
    List<CallEvent> drain() {
        List<CallEvent> events = new ArrayList<>();
        while (true) {
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(0))
                    .messages();
            if (messages.isEmpty()) {
                return events;
            }
            for (Message message : messages) {
                events.add(Json.readCallEvent(message.body()));
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(message.receiptHandle()));
            }
        }
    }
}
