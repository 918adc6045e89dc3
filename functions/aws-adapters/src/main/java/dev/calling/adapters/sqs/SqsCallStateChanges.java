package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.app.CallEvents;
import dev.calling.core.call.CallEvent;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Sends call events to the {@code call-state-changes} FIFO queue: message group = call id, so one
 * call's events are handled one at a time and in order while different calls go in parallel;
 * deduplication id = event id, so an event sent twice within SQS's 5-minute window is dropped.
 */
public final class SqsCallStateChanges implements CallEvents {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsCallStateChanges(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void publish(CallEvent event) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(Json.write(event))
                .messageGroupId(event.callId()).messageDeduplicationId(DeduplicationIds.of(event.eventId())));
    }
}
