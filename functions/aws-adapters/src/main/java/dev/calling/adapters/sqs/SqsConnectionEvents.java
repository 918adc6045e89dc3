package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.session.ConnectionEvent;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Connection events (opened, heartbeat, closed) to the standard {@code connection-events} queue,
 * as the JSON the SessionService reads back with {@link Json#readConnectionEvent}. Standard, not
 * FIFO: the session service tolerates duplicates and reordering (see {@code SessionService}).
 */
public final class SqsConnectionEvents {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsConnectionEvents(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    public void publish(ConnectionEvent event) {
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(Json.write(event)));
    }
}
