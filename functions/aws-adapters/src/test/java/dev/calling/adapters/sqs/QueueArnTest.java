package dev.calling.adapters.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import org.junit.jupiter.api.Test;

class QueueArnTest {

    @Test
    void aQueueIsKnownByItsNameAloneLocallyAndBehindTheDeploymentsPrefixInAws() {
        assertThat(QueueArn.names("arn:aws:sqs:us-east-1:000000000000:call-timers", Resources.CALL_TIMERS)).isTrue();
        assertThat(QueueArn.names("arn:aws:sqs:eu-west-1:123456789012:calling-prod-call-timers", Resources.CALL_TIMERS))
                .isTrue();
        assertThat(QueueArn.names("arn:aws:sqs:eu-west-1:123456789012:calling-prod-call-timers-dlq", Resources.CALL_TIMERS))
                .isFalse();
        assertThat(QueueArn.names("arn:aws:sqs:eu-west-1:123456789012:calling-prod-call-state-changes.fifo",
                Resources.CALL_TIMERS)).isFalse();
        assertThat(QueueArn.names(null, Resources.CALL_TIMERS)).isFalse();
    }
}
