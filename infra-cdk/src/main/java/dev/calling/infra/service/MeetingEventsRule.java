package dev.calling.infra.service;

import dev.calling.infra.MeetingEvents;
import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import dev.calling.infra.service.DataByName.QueueRef;
import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.SqsQueue;
import software.amazon.awscdk.services.events.targets.SqsQueueProps;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The EventBridge rule on the default event bus that sends Amazon Chime SDK meeting events
 * ({@link MeetingEvents#pattern()}) to the {@code meeting-events} queue, the raw event as the
 * message body. The queue's policy, which lets exactly this rule send, is the data stack's (it owns
 * the queue). What EventBridge cannot deliver after its retries goes to this rule's own dead-letter
 * queue, which is alarmed.
 */
public final class MeetingEventsRule extends Construct {

    /** Like the queues' dead-letter queues: SQS's maximum, time for an operator to look. */
    static final Duration DEAD_LETTER_RETENTION = Duration.days(14);

    private final Rule rule;
    private final Queue deadLetterQueue;

    public MeetingEventsRule(Construct scope, String id, PhysicalNames names, QueueRef meetingEvents) {
        super(scope, id);
        deadLetterQueue = deadLetterQueue(this, names.prefix() + "-meeting-events-rule-dlq");
        rule = Rule.Builder.create(this, "Rule")
                .ruleName(MeetingEvents.ruleName(names))
                .description("Amazon Chime SDK meeting events the Switch acts on, to " + meetingEvents.definition().name())
                .eventPattern(MeetingEvents.pattern())
                // No input transformer: the switch reads EventBridge's event (id, source, detail) as it is.
                .targets(List.of(new SqsQueue(meetingEvents.queue(), SqsQueueProps.builder()
                        .deadLetterQueue(deadLetterQueue).build())))
                .build();
    }

    /**
     * An EventBridge target's dead-letter queue: SQS-managed encryption (EventBridge cannot write to
     * a queue under the AWS-managed KMS key), TLS only, kept 14 days.
     */
    static Queue deadLetterQueue(Construct scope, String queueName) {
        return deadLetterQueue(scope, queueName, "This queue is itself a dead-letter queue: the one of an EventBridge"
                + " rule's target (cdk-nag recognises only queues named in another queue's redrive policy); what it"
                + " holds is alarmed and inspected by hand, not consumed.");
    }

    /** The same, for another kind of dead letters (the reason of the SQS3 suppression says which). */
    static Queue deadLetterQueue(Construct scope, String queueName, String why) {
        Queue queue = Queue.Builder.create(scope, "DeadLetters")
                .queueName(queueName)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(DEAD_LETTER_RETENTION)
                .build();
        Nag.suppress(queue, "SQS3", why);
        Nag.suppress(queue, "Serverless-SQSRedrivePolicy", Nag.DEAD_LETTER_QUEUE_HAS_NO_REDRIVE);
        return queue;
    }

    public Rule rule() {
        return rule;
    }

    public Queue deadLetterQueue() {
        return deadLetterQueue;
    }
}
