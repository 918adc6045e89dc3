package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.Resources;
import dev.calling.adapters.json.Json;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.local.QueueEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * A finding of the fault suite, kept as its regression test: a poison message in a call's message
 * group used to take the call's later events with it to the dead-letter queue when they were
 * already queued behind it. SQS FIFO hands the group's messages out together, and
 * {@code SqsBatchProcessor} reported the followers of a failed FIFO message failed too, to keep
 * their order, so each of the poison's five receives was one of theirs as well and the redrive
 * moved them out together: a real call's answer or hang-up was lost. A message that can never be
 * read ({@code MalformedMessage}) now fails alone: nothing will ever come after it in order.
 *
 * <p>Deterministic: both messages are queued before the consumer starts, so its first receive gets
 * both, as SQS would.
 */
class PoisonInCallGroupTest {

    @Test
    void aPoisonMessageDoesNotTakeTheLaterEventsOfItsCallToTheDeadLetterQueue() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(Duration.ofSeconds(1)); SqsClient sqs = aws.clients().sqs()) {
            String queue = aws.queueUrl(Resources.CALL_STATE_CHANGES);
            String group = "call-poisoned";
            String follower = Json.write(new CallEvent.CallHungUp("follower-1", group, Instant.now(), 0, 0, Party.CALLER));
            sqs.sendMessageBatch(r -> r.queueUrl(queue).entries(
                    SendMessageBatchRequestEntry.builder().id("poison").messageBody(Poison.MARK + " {{{")
                            .messageGroupId(group).messageDeduplicationId("poison-1").build(),
                    SendMessageBatchRequestEntry.builder().id("follower").messageBody(follower)
                            .messageGroupId(group).messageDeduplicationId("follower-1").build()));
            List<String> handled = new CopyOnWriteArrayList<>();
            SqsBatchProcessor batch = new SqsBatchProcessor("CallStateManager", Resources.CALL_STATE_CHANGES.maxReceiveCount());
            RequestHandler<SQSEvent, SQSBatchResponse> function = (event, context) -> batch.process(event,
                    message -> handled.add(Json.readCallEvent(message.getBody()).eventId()));

            List<String> deadLettered = new ArrayList<>();
            String dlq = aws.deadLetterQueueUrl(Resources.CALL_STATE_CHANGES);
            try (QueueEventSource source = new QueueEventSource("CallStateManager", sqs, queue,
                    aws.queueArn(sqs, Resources.CALL_STATE_CHANGES), function, 10, 1)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline && handled.isEmpty()
                        && deadLettered.stream().noneMatch(b -> b.contains("follower-1"))) {
                    for (Message m : sqs.receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10).waitTimeSeconds(1))
                            .messages()) {
                        deadLettered.add(m.body());
                        sqs.deleteMessage(r -> r.queueUrl(dlq).receiptHandle(m.receiptHandle()));
                    }
                }
            }
            assertThat(deadLettered).as("the call's next event was not dead-lettered").noneMatch(b -> b.contains("follower-1"));
            assertThat(handled).as("the call's next event was handled").containsExactly("follower-1");
        }
    }
}
