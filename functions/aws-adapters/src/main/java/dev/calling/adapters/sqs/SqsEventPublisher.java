package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallEvent;
import dev.calling.core.session.ConnectionEvent;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Puts events on the two queues of the design: call events on the {@code call-state-changes}
 * FIFO queue (message group = call id, so one call's events are handled in order and different
 * calls in parallel; deduplication id = event id, so a re-sent event is dropped by SQS within its
 * 5-minute window), connection events on the standard {@code connection-events} queue.
 */
public final class SqsEventPublisher {

    private final SqsClient sqs;
    private final String callStateChangesUrl;
    private final String connectionEventsUrl;

    public SqsEventPublisher(SqsClient sqs, String callStateChangesUrl, String connectionEventsUrl) {
        this.sqs = sqs;
        this.callStateChangesUrl = callStateChangesUrl;
        this.connectionEventsUrl = connectionEventsUrl;
    }

    public void publish(CallEvent event) {
        sqs.sendMessage(r -> r.queueUrl(callStateChangesUrl).messageBody(Json.write(event))
                .messageGroupId(event.callId()).messageDeduplicationId(DeduplicationIds.of(event.eventId())));
    }

    public void publish(ConnectionEvent event) {
        sqs.sendMessage(r -> r.queueUrl(connectionEventsUrl).messageBody(Json.write(event)));
    }
}
