package dev.calling.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.lambda.LogContext;
import dev.calling.adapters.lambda.SqsBatchProcessor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqsBatchProcessorTest {

    final SqsBatchProcessor processor = new SqsBatchProcessor("test", 3);
    final List<String> handled = new ArrayList<>();

    static SQSEvent.SQSMessage message(String id, String group, String body) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId(id);
        m.setBody(body);
        Map<String, String> attributes = new HashMap<>();
        attributes.put("ApproximateReceiveCount", "1");
        if (group != null) {
            attributes.put("MessageGroupId", group);
        }
        m.setAttributes(attributes);
        return m;
    }

    static SQSEvent batch(SQSEvent.SQSMessage... messages) {
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(messages));
        return event;
    }

    List<String> failedIds(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    SqsBatchProcessor.MessageHandler failOn(String poison) {
        return m -> {
            if (m.getBody().equals(poison)) {
                throw new IllegalArgumentException("poison");
            }
            handled.add(m.getMessageId());
        };
    }

    @Test
    void aFailingMessageOfAStandardQueueFailsAlone() {
        SQSBatchResponse response = processor.process(
                batch(message("1", null, "ok"), message("2", null, "bad"), message("3", null, "ok")), failOn("bad"));

        assertThat(failedIds(response)).containsExactly("2");
        assertThat(handled).containsExactly("1", "3");
    }

    @Test
    void onAFifoQueueTheRestOfTheFailedGroupWaitsAndOtherGroupsGoOn() {
        SQSBatchResponse response = processor.process(batch(
                message("a1", "A", "ok"), message("a2", "A", "bad"), message("b1", "B", "ok"),
                message("a3", "A", "ok"), message("b2", "B", "ok")), failOn("bad"));

        assertThat(failedIds(response)).containsExactly("a2", "a3");
        assertThat(handled).containsExactly("a1", "b1", "b2");
    }

    @Test
    void anUnreadableFifoMessageFailsAloneAndDoesNotTakeItsGroupsLaterEventsWithIt() {
        SQSBatchResponse response = processor.process(batch(
                message("a1", "A", "garbage"), message("a2", "A", "ok"), message("a3", "A", "ok")), m -> {
                    if (m.getBody().equals("garbage")) {
                        throw new dev.calling.adapters.json.MalformedMessage("call event",
                                new IllegalArgumentException("not JSON"));
                    }
                    handled.add(m.getMessageId());
                });

        assertThat(failedIds(response)).containsExactly("a1");
        assertThat(handled).containsExactly("a2", "a3");
    }

    @Test
    void anUnreadableMessageIsKeptInTheDeadLetterQueueAtOnceInsteadOfBeingRetried() {
        List<String> kept = new ArrayList<>();
        SqsBatchProcessor keeping = new SqsBatchProcessor("test", 3, m -> kept.add(m.getMessageId()));

        SQSBatchResponse response = keeping.process(batch(message("a1", "A", "garbage"), message("a2", "A", "ok")), m -> {
            if (m.getBody().equals("garbage")) {
                throw new dev.calling.adapters.json.MalformedMessage("call event", new IllegalArgumentException("not JSON"));
            }
            handled.add(m.getMessageId());
        });

        assertThat(failedIds(response)).isEmpty(); // taken off the queue: its group is not held back a visibility timeout
        assertThat(kept).containsExactly("a1");
        assertThat(handled).containsExactly("a2");
    }

    @Test
    void anUnreadableMessageThatCannotBeKeptIsRetriedAsBefore() {
        SqsBatchProcessor failing = new SqsBatchProcessor("test", 3, m -> {
            throw new IllegalStateException("dead-letter queue unreachable");
        });

        SQSBatchResponse response = failing.process(batch(message("a1", "A", "garbage")), m -> {
            throw new dev.calling.adapters.json.MalformedMessage("call event", new IllegalArgumentException("not JSON"));
        });

        assertThat(failedIds(response)).containsExactly("a1");
    }

    @Test
    void anEmptyBatchReportsNoFailure() {
        assertThat(processor.process(new SQSEvent(), failOn("bad")).getBatchItemFailures()).isEmpty();
    }

    @Test
    void eachMessageIsHandledInItsOwnLogContextClearedAfterwardsAlsoWhenItFails() {
        List<String> seen = new ArrayList<>();
        SqsBatchProcessor named = new SqsBatchProcessor("CallStateManager", 3);
        LogContext.call("left-over-from-before");

        named.process(batch(message("m-1", "g1", "c-1"), message("m-2", "g2", "c-2")), m -> {
            seen.add(LogContext.get(LogContext.FUNCTION) + " " + LogContext.get(LogContext.EVENT_ID) + " "
                    + LogContext.get(LogContext.CALL_ID));
            LogContext.call(m.getBody());
            if (m.getMessageId().equals("m-1")) {
                throw new IllegalStateException("fails after naming its call");
            }
        });

        assertThat(seen).containsExactly("CallStateManager m-1 null", "CallStateManager m-2 null");
        assertThat(LogContext.get(LogContext.CALL_ID)).as("cleared after the batch").isNull();
        assertThat(LogContext.get(LogContext.FUNCTION)).isNull();
    }
}
