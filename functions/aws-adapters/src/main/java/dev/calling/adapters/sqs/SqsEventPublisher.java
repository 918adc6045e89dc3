package dev.calling.adapters.sqs;

import dev.calling.core.call.CallEvent;
import dev.calling.core.session.ConnectionEvent;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What a switch (or an app-facing API) sends: call events to the {@code call-state-changes} FIFO
 * queue (see {@link SqsCallStateChanges}) and connection events to the standard
 * {@code connection-events} queue.
 */
public final class SqsEventPublisher {

    private final SqsCallStateChanges callStateChanges;
    private final SqsConnectionEvents connectionEvents;

    public SqsEventPublisher(SqsClient sqs, String callStateChangesUrl, String connectionEventsUrl) {
        this.callStateChanges = new SqsCallStateChanges(sqs, callStateChangesUrl);
        this.connectionEvents = new SqsConnectionEvents(sqs, connectionEventsUrl);
    }

    public void publish(CallEvent event) {
        callStateChanges.publish(event);
    }

    public void publish(ConnectionEvent event) {
        connectionEvents.publish(event);
    }
}
