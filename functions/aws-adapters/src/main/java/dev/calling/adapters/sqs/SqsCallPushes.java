package dev.calling.adapters.sqs;

import dev.calling.adapters.json.Json;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.PushPort;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The push port as a queue: each push goes to the standard {@code call-pushes} queue for the push sender,
 * so the call state manager hands a push over with one SendMessage whatever the push service is doing
 * (a push never holds a call's state change). Order does not matter (each push stands alone) and a push
 * handed over twice is sent once (the push sender's markers).
 */
public final class SqsCallPushes implements PushPort {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsCallPushes(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void push(CallCommand.PushCallee push) {
        String body = Json.write(push);
        sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
    }
}
