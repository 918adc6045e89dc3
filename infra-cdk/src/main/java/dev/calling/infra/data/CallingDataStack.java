package dev.calling.infra.data;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.infra.CallingConfig;
import dev.calling.infra.CallingConfig.SwitchKind;
import dev.calling.infra.MeetingEvents;
import dev.calling.infra.PhysicalNames;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/**
 * Everything that holds state: the tables, queues and buckets of {@link Resources} and the user
 * pool. Deployed rarely, termination-protected, and its tables, buckets and user pool are kept
 * even when the stack is deleted. The service stack finds the tables, queues and buckets by their
 * {@link PhysicalNames}, so it can be changed, replaced or deleted freely.
 */
public final class CallingDataStack extends Stack {

    private final Tables tables;
    private final Queues queues;
    private final Buckets buckets;
    private final Users users;

    public CallingDataStack(Construct scope, String id, StackProps props, CallingConfig config) {
        super(scope, id, props);
        PhysicalNames names = PhysicalNames.of(config.stage());
        tables = new Tables(this, "Tables", names);
        queues = new Queues(this, "Queues", names);
        buckets = new Buckets(this, "Buckets", names, config.billingExportRetentionDays());
        users = new Users(this, "Users", names, config.cognitoEmail());
        if (config.switchKind() == SwitchKind.CHIME_MEETINGS) {
            allowMeetingEventsRule(names);
        }

        // What the VoIP switch fleet and other clients outside this app are configured with.
        for (QueueDefinition queue : Resources.QUEUES) {
            CfnOutput.Builder.create(this, PhysicalNames.pascal(queue.name()) + "QueueUrl")
                    .description("URL of the " + queue.name() + " queue")
                    .value(queues.queue(queue).queue().getQueueUrl()).build();
        }
        for (BucketDefinition bucket : Resources.BUCKETS) {
            CfnOutput.Builder.create(this, PhysicalNames.pascal(bucket.name()) + "BucketName")
                    .description(bucket.name().equals(Resources.RATE_DECK_OBJECTS.name())
                            ? "Where operators upload carriers' rate decks, to schedule them with PUT"
                                    + " /ops/v1/carriers/{carrierId}/rate-deck of the operator API"
                            : "The " + bucket.name() + " bucket")
                    .value(buckets.bucket(bucket).getBucketName()).build();
        }
        CfnOutput.Builder.create(this, "UserPoolId").value(users.pool().getUserPoolId()).build();
        CfnOutput.Builder.create(this, "UserPoolClientId").description("The mobile app's client id (token audience)")
                .value(users.mobileApp().getUserPoolClientId()).build();
        CfnOutput.Builder.create(this, "TokenIssuer").value(users.issuer()).build();
    }

    /**
     * The service stack's EventBridge rule delivers Chime's meeting events to {@code meeting-events}.
     * A queue has one policy, and this stack owns it (with its TLS-only statement), so the statement
     * that lets EventBridge send is added here, for that one rule (by its fixed name) and SendMessage
     * only; the service stack cannot add to the policy of a queue it only references.
     */
    private void allowMeetingEventsRule(PhysicalNames names) {
        Queue meetingEvents = queues.queue(Resources.MEETING_EVENTS).queue();
        meetingEvents.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("MeetingEventsRule")
                .principals(List.of(new ServicePrincipal("events.amazonaws.com")))
                .actions(List.of("sqs:SendMessage"))
                .resources(List.of(meetingEvents.getQueueArn()))
                .conditions(Map.of("ArnEquals", Map.of("aws:SourceArn", MeetingEvents.ruleArn(this, names))))
                .build());
    }

    public Tables tables() {
        return tables;
    }

    public Queues queues() {
        return queues;
    }

    public Buckets buckets() {
        return buckets;
    }

    public Users users() {
        return users;
    }
}
