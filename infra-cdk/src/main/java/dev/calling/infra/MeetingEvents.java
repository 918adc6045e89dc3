package dev.calling.infra;

import dev.calling.adapters.Resources;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.EventPattern;

/**
 * The Amazon Chime SDK meeting events the Switch acts on, as EventBridge delivers them on the
 * default event bus (https://docs.aws.amazon.com/chime-sdk/latest/dg/using-events.html): a party's
 * attendee left or dropped, or a meeting ended. Shared by the service stack's rule (to the
 * {@code meeting-events} queue), the data stack's queue policy (which names that rule) and the rule
 * that forwards the events from another Chime control region.
 */
public final class MeetingEvents {

    public static final String SOURCE = "aws.chime";
    public static final String DETAIL_TYPE = "Chime Meeting State Change";
    /** What MeetingEvents in functions/switch-chime-meetings turns into call events; everything else it drops. */
    public static final List<String> EVENT_TYPES = List.of("chime:AttendeeLeft", "chime:AttendeeDropped",
            "chime:MeetingEnded");

    private MeetingEvents() {}

    /** {@code source}, {@code detail-type} and {@code detail.eventType}: no other Chime event reaches the queue. */
    public static EventPattern pattern() {
        return EventPattern.builder()
                .source(List.of(SOURCE))
                .detailType(List.of(DETAIL_TYPE))
                .detail(Map.of("eventType", EVENT_TYPES))
                .build();
    }

    /**
     * The rule that sends them to the queue: {@code calling-<stage>-meeting-events} on the default bus
     * of the stacks' region. A fixed name, so that the data stack can allow exactly this rule to send
     * to the queue without an export between the stacks.
     */
    public static String ruleName(PhysicalNames names) {
        return names.prefix() + "-" + Resources.MEETING_EVENTS.name();
    }

    /** {@code arn:<partition>:events:<region>:<account>:rule/calling-<stage>-meeting-events}, in the stack's region. */
    public static String ruleArn(Stack stack, PhysicalNames names) {
        return stack.formatArn(ArnComponents.builder().service("events").resource("rule")
                .resourceName(ruleName(names)).arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build());
    }
}
