package dev.calling.infra.service;

import dev.calling.infra.CallingConfig;
import dev.calling.infra.MeetingEvents;
import dev.calling.infra.PhysicalNames;
import java.util.List;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.events.EventBus;
import software.amazon.awscdk.services.events.IEventBus;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.EventBusProps;
import software.amazon.awscdk.services.sqs.Queue;
import software.constructs.Construct;

/**
 * Only with {@code chimeMeetingsRegion} set to another region than the one the app deploys to:
 * Chime SDK Meetings publishes a meeting's events to EventBridge in its control region, and an
 * EventBridge rule can only send to an SQS queue of its own region. This small stack, in the
 * control region, forwards the same events ({@link MeetingEvents#pattern()}) to the default event
 * bus of the app's region, where the service stack's rule sends them on to {@code meeting-events}
 * as if Chime had published them there (a forwarded event keeps its source and detail-type).
 * Events it cannot forward go to a dead-letter queue in the control region, alarmed there (CloudWatch
 * alarms watch metrics of their own region) to a topic of the same name and e-mail as the app's.
 */
public final class MeetingEventsForwarder extends Stack {

    private final Rule rule;
    private final Queue deadLetterQueue;
    private final Monitoring monitoring;

    public MeetingEventsForwarder(Construct scope, String id, CallingConfig config, String controlRegion,
            String appRegion) {
        super(scope, id, StackProps.builder()
                .description("Calling backend " + config.stage() + ": Amazon Chime SDK meeting events from "
                        + controlRegion + " to " + appRegion)
                // The region is the point of this stack; the account stays the deploying credentials'.
                .env(Environment.builder().region(controlRegion).build())
                .build());
        PhysicalNames names = PhysicalNames.of(config.stage());
        IEventBus appBus = EventBus.fromEventBusArn(this, "AppRegionBus", formatArn(ArnComponents.builder()
                .service("events").region(appRegion).account(Aws.ACCOUNT_ID).resource("event-bus")
                .resourceName("default").arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build()));
        deadLetterQueue = MeetingEventsRule.deadLetterQueue(this, names.prefix() + "-meeting-events-forward-dlq");
        // The target gets its own role (events.amazonaws.com), allowed events:PutEvents on that one bus.
        rule = Rule.Builder.create(this, "Rule")
                .ruleName(MeetingEvents.ruleName(names) + "-forward")
                .description("Amazon Chime SDK meeting events the Switch acts on, to the default bus in " + appRegion)
                .eventPattern(MeetingEvents.pattern())
                .targets(List.of(new software.amazon.awscdk.services.events.targets.EventBus(appBus,
                        EventBusProps.builder().deadLetterQueue(deadLetterQueue).build())))
                .build();
        monitoring = new Monitoring(this, "Monitoring", names.prefix() + "-alarms", config.alarmEmail());
        monitoring.watchDeadLetters("MeetingEventsForwardDeadLetters", deadLetterQueue, "A Chime meeting event could"
                + " not be forwarded to " + appRegion + " and is in " + names.prefix() + "-meeting-events-forward-dlq:"
                + " a call may have missed a hang-up; check the rule's target role and the app region's bus");
    }

    public Rule rule() {
        return rule;
    }

    public Queue deadLetterQueue() {
        return deadLetterQueue;
    }

    public Monitoring monitoring() {
        return monitoring;
    }
}
