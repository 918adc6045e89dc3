package dev.calling.redrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.redrive.DeadLetterRedrive.Failure;
import dev.calling.redrive.DeadLetterRedrive.Options;
import dev.calling.redrive.DeadLetterRedrive.Report;
import dev.calling.redrive.DeadLetterRedrive.Stop;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * {@link DeadLetterRedrive} through the real SDK client against ElasticMQ, with every queue and
 * dead-letter queue of {@code Resources} created as in AWS (redrive policies included).
 */
class DeadLetterRedriveTest {

    static EmbeddedAws aws;
    static SqsClient sqs;

    DeadLetterRedrive redrive = new DeadLetterRedrive(sqs, "", Clock.systemUTC());

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        sqs = aws.clients().sqs();
    }

    @AfterAll
    static void stop() {
        if (sqs != null) {
            sqs.close();
        }
        if (aws != null) {
            aws.close();
        }
    }

    @BeforeEach
    void emptyQueues() {
        for (QueueDefinition queue : Resources.QUEUES) {
            sqs.purgeQueue(r -> r.queueUrl(aws.queueUrl(queue)));
            sqs.purgeQueue(r -> r.queueUrl(aws.deadLetterQueueUrl(queue)));
        }
    }

    @Test
    void fifoMessagesOfTwoGroupsGoBackInOrderPerGroupWithTheirGroupAttributesAndDedupIds() {
        QueueDefinition queue = Resources.CALL_STATE_CHANGES;
        // Interleaved as the calls failed; more than one receive's worth for the first call.
        List<String> dlqIds = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            dlqIds.add(deadLetter(queue, "call-a", "a" + i));
            if (i < 7) {
                dlqIds.add(deadLetter(queue, "call-b", "b" + i));
            }
        }

        Report report = redrive.redrive(queue, Options.defaults());

        assertThat(report.moved()).isEqualTo(20);
        assertThat(report.groups()).containsExactlyInAnyOrderEntriesOf(Map.of("call-a", 13, "call-b", 7));
        assertThat(report.failures()).isEmpty();
        assertThat(report.stop()).isEqualTo(Stop.DRAINED);
        assertThat(report.queue()).isEqualTo("call-state-changes.fifo");
        assertThat(report.deadLetterQueue()).isEqualTo("call-state-changes-dlq.fifo");

        List<Message> back = drain(queue);
        assertThat(bodiesByGroup(back)).containsOnly(
                Map.entry("call-a", IntStream.range(0, 13).mapToObj(i -> "a" + i).toList()),
                Map.entry("call-b", IntStream.range(0, 7).mapToObj(i -> "b" + i).toList()));
        assertThat(back).allSatisfy(m -> {
            assertThat(m.messageAttributes().get("type").stringValue()).isEqualTo("CallRinging");
            assertThat(m.messageAttributes().get("sequence").dataType()).isEqualTo("Number");
        });
        assertThat(back).extracting(m -> m.attributes().get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID))
                .containsExactlyInAnyOrderElementsOf(dlqIds.stream().map(id -> "redrive-" + id).toList());
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).isZero();
    }

    @Test
    void messagesTheQueueItselfDeadLetteredGoBackInTheOrderTheyFailed() {
        QueueDefinition queue = Resources.SWITCH_COMMANDS;
        String url = aws.queueUrl(queue);
        for (int i = 0; i < 3; i++) {
            for (String call : List.of("call-x", "call-y")) {
                String body = call + "-" + i;
                sqs.sendMessage(r -> r.queueUrl(url).messageBody(body).messageGroupId(call)
                        .messageDeduplicationId(body));
            }
        }
        // A consumer that keeps failing: every receive without a delete, until SQS moves them to the DLQ.
        for (int receives = 0; receives < 50 && visibleIn(url) + inFlightIn(url) > 0; receives++) {
            sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).visibilityTimeout(0));
        }
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).as("dead-lettered by the redrive policy").isEqualTo(6);

        Report report = redrive.redrive(queue, Options.defaults());

        assertThat(report.moved()).isEqualTo(6);
        assertThat(bodiesByGroup(drain(queue))).containsOnly(
                Map.entry("call-x", List.of("call-x-0", "call-x-1", "call-x-2")),
                Map.entry("call-y", List.of("call-y-0", "call-y-1", "call-y-2")));
    }

    @Test
    void aRerunAfterACrashBetweenSendAndDeleteDoesNotDuplicate() {
        QueueDefinition queue = Resources.CALL_STATE_CHANGES;
        for (int i = 0; i < 4; i++) {
            deadLetter(queue, "call-a", "a" + i);
            if (i < 3) {
                deadLetter(queue, "call-b", "b" + i);
            }
        }
        String dlqUrl = aws.deadLetterQueueUrl(queue);
        // The process "dies" after its sends: no delete and no release reach SQS.
        Report crashed;
        try (SqsClient dying = aws.clients().withInterceptors(List.of(), List.of(new RefuseDeletesAndReleases())).sqs()) {
            crashed = new DeadLetterRedrive(dying, "", Clock.systemUTC())
                    .redrive(queue, Options.defaults().withVisibilityTimeout(Duration.ofSeconds(2)));
        }
        assertThat(crashed.moved()).isZero();
        assertThat(crashed.failures()).isNotEmpty().extracting(Failure::step).contains("delete");
        assertThat(visibleIn(aws.queueUrl(queue)) + inFlightIn(aws.queueUrl(queue)))
                .as("sent before the crash").isPositive();
        awaitVisible(dlqUrl, 7);

        Report rerun = redrive.redrive(queue, Options.defaults());

        assertThat(rerun.moved()).isEqualTo(7);
        assertThat(rerun.failures()).isEmpty();
        assertThat(bodiesByGroup(drain(queue))).containsOnly(
                Map.entry("call-a", List.of("a0", "a1", "a2", "a3")),
                Map.entry("call-b", List.of("b0", "b1", "b2")));
        assertThat(visibleIn(dlqUrl) + inFlightIn(dlqUrl)).isZero();
    }

    @Test
    void afterAFailedSendNothingLaterOfThatGroupIsSentAndOtherGroupsGoOn() {
        QueueDefinition queue = Resources.CALL_STATE_CHANGES;
        for (int i = 0; i < 4; i++) {
            deadLetter(queue, "call-a", "a" + i);
            deadLetter(queue, "call-b", "b" + i);
        }
        Report failed;
        try (SqsClient flaky = aws.clients().withInterceptors(List.of(), List.of(new RefuseToSend("a1"))).sqs()) {
            failed = new DeadLetterRedrive(flaky, "", Clock.systemUTC()).redrive(queue, Options.defaults());
        }

        assertThat(failed.failures()).singleElement().satisfies(f -> {
            assertThat(f.step()).isEqualTo("send");
            assertThat(f.messageGroupId()).isEqualTo("call-a");
        });
        assertThat(failed.groups()).containsOnly(Map.entry("call-a", 1), Map.entry("call-b", 4));
        assertThat(bodiesByGroup(drain(queue))).containsOnly(
                Map.entry("call-a", List.of("a0")), Map.entry("call-b", List.of("b0", "b1", "b2", "b3")));
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).as("the rest of call-a, released for the next run").isEqualTo(3);

        Report rerun = redrive.redrive(queue, Options.defaults());

        assertThat(rerun.moved()).isEqualTo(3);
        assertThat(bodiesByGroup(drain(queue))).containsOnly(Map.entry("call-a", List.of("a1", "a2", "a3")));
    }

    @Test
    void aDryRunCountsPerGroupMovesNothingAndLeavesTheMessagesVisible() {
        QueueDefinition queue = Resources.CALL_STATE_CHANGES;
        for (int i = 0; i < 3; i++) {
            deadLetter(queue, "call-a", "a" + i);
            deadLetter(queue, "call-b", "b" + i);
        }

        Report report = redrive.redrive(queue, Options.defaults().withDryRun(true));

        assertThat(report.dryRun()).isTrue();
        assertThat(report.moved()).isZero();
        assertThat(report.peeked()).isEqualTo(6);
        assertThat(report.groups()).containsOnlyKeys("call-a", "call-b");
        assertThat(report.approximateMessagesBefore()).isEqualTo(6);
        assertThat(visibleIn(aws.queueUrl(queue)) + inFlightIn(aws.queueUrl(queue))).isZero();
        String dlqUrl = aws.deadLetterQueueUrl(queue);
        assertThat(visibleIn(dlqUrl)).as("released at the end of the dry run, not held for 15 minutes").isEqualTo(6);

        Report moved = redrive.redrive(queue, Options.defaults());
        assertThat(moved.moved()).as("still all there to move").isEqualTo(6);
    }

    @Test
    void aDryRunOnAStandardQueueCountsEachMessageOnce() {
        QueueDefinition queue = Resources.CONNECTION_EVENTS;
        for (int i = 0; i < 25; i++) {
            deadLetter(queue, null, "event-" + i);
        }

        Report report = redrive.redrive(queue, Options.defaults().withDryRun(true));

        assertThat(report.peeked()).isEqualTo(25);
        assertThat(report.moved()).isZero();
        assertThat(report.groups()).isEmpty();
        assertThat(visibleIn(aws.queueUrl(queue))).isZero();
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).isEqualTo(25);
    }

    @Test
    void aStandardQueueGetsEveryMessageBackWithItsAttributesAndNoGroup() {
        QueueDefinition queue = Resources.CALL_TIMERS;
        List<String> bodies = IntStream.range(0, 23).mapToObj(i -> "{\"type\":\"RingTimeoutElapsed\",\"n\":" + i + "}").toList();
        bodies.forEach(body -> deadLetter(queue, null, body));

        Report report = redrive.redrive(queue, Options.defaults());

        assertThat(report.moved()).isEqualTo(23);
        assertThat(report.groups()).isEmpty();
        assertThat(report.failures()).isEmpty();
        List<Message> back = drain(queue);
        assertThat(back).extracting(Message::body).containsExactlyInAnyOrderElementsOf(bodies);
        assertThat(back).allSatisfy(m -> {
            assertThat(m.attributes()).doesNotContainKey(MessageSystemAttributeName.MESSAGE_GROUP_ID);
            assertThat(m.messageAttributes().get("type").stringValue()).isEqualTo("CallRinging");
        });
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue)) + inFlightIn(aws.deadLetterQueueUrl(queue))).isZero();
    }

    @Test
    void maxBoundsARunAndTheRestFollowsInOrderOnTheNext() {
        QueueDefinition queue = Resources.CALL_STATE_CHANGES;
        for (int i = 0; i < 15; i++) {
            deadLetter(queue, "call-a", "a" + i);
            if (i < 10) {
                deadLetter(queue, "call-b", "b" + i);
            }
        }

        Report first = redrive.redrive(queue, Options.defaults().withMax(12));

        assertThat(first.moved()).isEqualTo(12);
        assertThat(first.stop()).isEqualTo(Stop.MAX_REACHED);
        Map<String, List<String>> firstBack = bodiesByGroup(drain(queue));
        assertThat(firstBack.values().stream().mapToInt(List::size).sum()).isEqualTo(12);
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).isEqualTo(13);

        Report second = redrive.redrive(queue, Options.defaults());

        assertThat(second.moved()).isEqualTo(13);
        assertThat(second.stop()).isEqualTo(Stop.DRAINED);
        Map<String, List<String>> secondBack = bodiesByGroup(drain(queue));
        assertThat(concat(firstBack.get("call-a"), secondBack.get("call-a")))
                .isEqualTo(IntStream.range(0, 15).mapToObj(i -> "a" + i).toList());
        assertThat(concat(firstBack.get("call-b"), secondBack.get("call-b")))
                .isEqualTo(IntStream.range(0, 10).mapToObj(i -> "b" + i).toList());
    }

    @Test
    void aFailedReceiveEndsTheRunWithAReportAndReleasesWhatItHeld() {
        QueueDefinition queue = Resources.MEETING_EVENTS;
        for (int i = 0; i < 15; i++) {
            deadLetter(queue, null, "meeting-event-" + i);
        }
        Report report;
        try (SqsClient flaky = aws.clients().withInterceptors(List.of(), List.of(new RefuseReceivesAfter(1))).sqs()) {
            report = new DeadLetterRedrive(flaky, "", Clock.systemUTC()).redrive(queue, Options.defaults().withDryRun(true));
        }

        assertThat(report.stop()).isEqualTo(Stop.RECEIVE_FAILED);
        assertThat(report.peeked()).isBetween(1, 10);
        assertThat(report.failures()).singleElement().extracting(Failure::step).isEqualTo("receive");
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).as("held messages released").isEqualTo(15);
    }

    @Test
    void nothingIsReceivedAfterTheDeadline() {
        QueueDefinition queue = Resources.CALL_TIMERS;
        deadLetter(queue, null, "timer");
        Clock clock = Clock.fixed(java.time.Instant.parse("2026-12-04T10:00:00Z"), java.time.ZoneOffset.UTC);

        Report report = new DeadLetterRedrive(sqs, "", clock).redrive(queue,
                Options.defaults().withDeadline(clock.instant()));

        assertThat(report.stop()).isEqualTo(Stop.DEADLINE);
        assertThat(report.moved()).isZero();
        assertThat(visibleIn(aws.deadLetterQueueUrl(queue))).isEqualTo(1);
    }

    @Test
    void anUnknownQueueNameIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> DeadLetterRedrive.knownQueue("call-state-change.fifo"))
                .isInstanceOf(DeadLetterRedrive.UnknownQueueException.class)
                .hasMessageContaining("unknown queue 'call-state-change.fifo'")
                .hasMessageContaining(String.join(", ", Resources.QUEUES.stream().map(QueueDefinition::name).toList()))
                .hasMessageContaining("call-state-changes.fifo");
        assertThatThrownBy(() -> DeadLetterRedrive.knownQueue("call-state-changes-dlq.fifo"))
                .hasMessageContaining("is the dead-letter queue of call-state-changes.fifo");
        assertThat(DeadLetterRedrive.knownQueue("meeting-events")).isEqualTo(Resources.MEETING_EVENTS);
    }

    @Test
    void queuesAreFoundUnderTheDeploymentsNamePrefix() {
        DeadLetterRedrive prod = new DeadLetterRedrive(sqs, "calling-prod", Clock.systemUTC());

        assertThat(prod.physicalName(Resources.CALL_STATE_CHANGES.deadLetterName()))
                .isEqualTo("calling-prod-call-state-changes-dlq.fifo");
        assertThatThrownBy(() -> prod.redrive(Resources.CALL_STATE_CHANGES, Options.defaults()))
                .hasMessageContaining("queue calling-prod-call-state-changes.fifo does not exist");
    }

    /** A message as SQS would have dead-lettered it, sent straight to the queue's DLQ; returns its DLQ message id. */
    static String deadLetter(QueueDefinition queue, String group, String body) {
        Map<String, MessageAttributeValue> attributes = Map.of(
                "type", MessageAttributeValue.builder().dataType("String").stringValue("CallRinging").build(),
                "sequence", MessageAttributeValue.builder().dataType("Number").stringValue("7").build());
        String url = aws.deadLetterQueueUrl(queue);
        return sqs.sendMessage(r -> {
            r.queueUrl(url).messageBody(body).messageAttributes(attributes);
            if (queue.fifo()) {
                r.messageGroupId(group).messageDeduplicationId(body + "-" + System.nanoTime());
            }
        }).messageId();
    }

    /** Every message now on the queue, in the order received, with its system and message attributes; deleted as read. */
    static List<Message> drain(QueueDefinition queue) {
        String url = aws.queueUrl(queue);
        List<Message> all = new ArrayList<>();
        while (true) {
            int wait = all.isEmpty() ? 1 : 0;
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(wait)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL).messageAttributeNames("All")).messages();
            if (batch.isEmpty()) {
                return all;
            }
            batch.forEach(m -> sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())));
            all.addAll(batch);
        }
    }

    static Map<String, List<String>> bodiesByGroup(List<Message> messages) {
        Map<String, List<String>> byGroup = new LinkedHashMap<>();
        for (Message message : messages) {
            byGroup.computeIfAbsent(message.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID),
                    g -> new ArrayList<>()).add(message.body());
        }
        return byGroup;
    }

    static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first == null ? List.of() : first);
        all.addAll(second == null ? List.of() : second);
        return all;
    }

    static int visibleIn(String url) {
        return attribute(url, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    }

    static int inFlightIn(String url) {
        return attribute(url, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
    }

    static int attribute(String url, QueueAttributeName name) {
        return Integer.parseInt(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(name)).attributes().get(name));
    }

    /** Waits (no time assertion) until the crashed run's messages are visible again in the DLQ. */
    static void awaitVisible(String url, int count) {
        for (int i = 0; i < 600 && visibleIn(url) < count; i++) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        assertThat(visibleIn(url)).isEqualTo(count);
    }

    /** An SQS client whose receives fail after the first {@code allowed}. */
    static final class RefuseReceivesAfter implements ExecutionInterceptor {

        private final java.util.concurrent.atomic.AtomicInteger left;

        RefuseReceivesAfter(int allowed) {
            left = new java.util.concurrent.atomic.AtomicInteger(allowed);
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof ReceiveMessageRequest && left.getAndDecrement() <= 0) {
                throw SdkClientException.create("SQS unreachable");
            }
        }
    }

    /** An SQS client whose sends of one body fail, as a throttled or unreachable queue would refuse them. */
    record RefuseToSend(String body) implements ExecutionInterceptor {

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof SendMessageRequest send && send.messageBody().equals(body)) {
                throw SdkClientException.create("refused " + body);
            }
        }
    }

    /** The SQS client of a process that dies right after its sends: deletes and releases never arrive. */
    static final class RefuseDeletesAndReleases implements ExecutionInterceptor {

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            Object request = context.request();
            if (request instanceof DeleteMessageBatchRequest || request instanceof DeleteMessageRequest
                    || request instanceof ChangeMessageVisibilityBatchRequest) {
                throw SdkClientException.create("the process died");
            }
        }
    }
}
