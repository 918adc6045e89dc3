package dev.calling.redrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.redrive.RedriveCommand.Arguments;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Lambda's request and the command line, read strictly. */
class RedriveRequestTest {

    @Test
    void theOperatorsRequestIsRead() {
        assertThat(RedriveRequest.from(Map.of("queue", "call-state-changes.fifo", "max", 1000, "dryRun", false)))
                .isEqualTo(new RedriveRequest("call-state-changes.fifo", Optional.of(1000), false));
        assertThat(RedriveRequest.from(Map.of("queue", "call-timers", "dryRun", true)))
                .isEqualTo(new RedriveRequest("call-timers", Optional.empty(), true));
        assertThat(RedriveRequest.from(Map.of("queue", "call-timers", "max", 5.0)).max()).contains(5);
    }

    @Test
    void aBadRequestIsRefused() {
        assertThatThrownBy(() -> RedriveRequest.from(Map.of("max", 10))).hasMessageContaining("\"queue\" (a string) is required");
        assertThatThrownBy(() -> RedriveRequest.from(Map.of("queue", "call-timers", "max", 0)))
                .hasMessageContaining("\"max\" must be a whole number of at least 1");
        assertThatThrownBy(() -> RedriveRequest.from(Map.of("queue", "call-timers", "max", 2.5)))
                .hasMessageContaining("\"max\"");
        assertThatThrownBy(() -> RedriveRequest.from(Map.of("queue", "call-timers", "max", "10")))
                .hasMessageContaining("\"max\"");
        assertThatThrownBy(() -> RedriveRequest.from(Map.of("queue", "call-timers", "dryRun", "yes")))
                .hasMessageContaining("\"dryRun\" must be true or false");
        assertThatThrownBy(() -> RedriveRequest.from(Map.of("queue", "call-timers", "dry_run", true)))
                .hasMessageContaining("unknown field(s) [dry_run]");
        Map<String, Object> nullQueue = new HashMap<>();
        nullQueue.put("queue", null);
        assertThatThrownBy(() -> RedriveRequest.from(nullQueue)).hasMessageContaining("\"queue\"");
        assertThatThrownBy(() -> RedriveRequest.from(null)).hasMessageContaining("no request");
    }

    @Test
    void theCommandLineIsRead() {
        Arguments local = Arguments.parse(List.of("call-state-changes.fifo", "--max", "50", "--dry-run", "--endpoint",
                "http://127.0.0.1:9324"));
        assertThat(local.queue()).isEqualTo("call-state-changes.fifo");
        assertThat(local.options().max()).isEqualTo(50);
        assertThat(local.options().dryRun()).isTrue();
        assertThat(local.endpoint()).contains(URI.create("http://127.0.0.1:9324"));
        assertThat(local.regionOrDefault()).isNotBlank();

        Arguments aws = Arguments.parse(List.of("--region", "eu-west-1", "--name-prefix", "calling-prod", "call-timers",
                "--visibility-timeout", "30"));
        assertThat(aws.queue()).isEqualTo("call-timers");
        assertThat(aws.regionOrDefault()).isEqualTo("eu-west-1");
        assertThat(aws.namePrefix()).isEqualTo("calling-prod");
        assertThat(aws.endpoint()).isEmpty();
        assertThat(aws.options().dryRun()).isFalse();
        assertThat(aws.options().max()).isEqualTo(DeadLetterRedrive.DEFAULT_MAX);
        assertThat(aws.options().visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aBadCommandLineIsRefused() {
        assertThatThrownBy(() -> Arguments.parse(List.of())).hasMessageContaining("which queue?");
        assertThatThrownBy(() -> Arguments.parse(List.of("call-timers", "--max"))).hasMessageContaining("--max needs a value");
        assertThatThrownBy(() -> Arguments.parse(List.of("call-timers", "--max", "lots")))
                .hasMessageContaining("--max needs a whole number");
        assertThatThrownBy(() -> Arguments.parse(List.of("call-timers", "--max", "0"))).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> Arguments.parse(List.of("call-timers", "--dryrun"))).hasMessageContaining("unexpected argument --dryrun");
        assertThatThrownBy(() -> Arguments.parse(List.of("call-timers", "meeting-events")))
                .hasMessageContaining("unexpected argument meeting-events");
    }
}
