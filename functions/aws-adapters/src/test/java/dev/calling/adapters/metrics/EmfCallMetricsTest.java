package dev.calling.adapters.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.Outcome;
import dev.calling.core.routing.Route;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metric lines of calls moved by the real state machine (a PSTN call's are in ChargingIntegrationTest). */
class EmfCallMetricsTest {

    static final Instant T0 = Instant.parse("2026-12-05T15:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    final List<String> lines = new ArrayList<>();
    final EmfCallMetrics metrics = new EmfCallMetrics(lines::add);
    final CallStateMachine machine = new CallStateMachine(Duration.ofSeconds(45));

    @Test
    void aVoipCallThatRangAndWasMissedIsOneCallByRouteAndReasonWithItsTimeToRingAndNoCarrierOrMoney() throws Exception {
        Outcome started = machine.start(new CallEvent.CallRequested("r", "c1", T0, "ann", "a1", "ben"), List.of("a1"),
                new Route.Voip(List.of("b1"), List.of()));
        metrics.applied(null, started);
        Outcome rang = machine.apply(started.call(), new CallEvent.CallRinging("ring", "c1", T0.plusMillis(480), 1, 1));
        metrics.applied(started.call(), rang);
        assertThat(lines).as("nothing is counted before the call ends").isEmpty();

        Outcome missed = machine.apply(rang.call(), CallEvent.RingTimeoutElapsed.of("c1", T0.plusSeconds(45)));
        metrics.applied(rang.call(), missed);
        metrics.applied(missed.call(), machine.apply(missed.call(), CallEvent.RingTimeoutElapsed.of("c1",
                T0.plusSeconds(46)))); // an event after the end: not a second end

        assertThat(lines).hasSize(2);
        JsonNode call = JSON.readTree(lines.get(0));
        assertThat(call.at("/_aws/Timestamp").asLong()).isEqualTo(T0.plusSeconds(45).toEpochMilli());
        assertThat(call.at("/_aws/CloudWatchMetrics/0/Namespace").asText()).isEqualTo("Calling");
        assertThat(call.at("/_aws/CloudWatchMetrics/0/Metrics").toString())
                .isEqualTo("[{\"Name\":\"Calls\",\"Unit\":\"Count\"},{\"Name\":\"TalkSeconds\",\"Unit\":\"Seconds\"}]");
        assertThat(call.path("Route").asText()).isEqualTo("VOIP");
        assertThat(call.path("EndReason").asText()).isEqualTo("MISSED");
        assertThat(call.path("Calls").asInt()).isEqualTo(1);
        assertThat(call.path("TalkSeconds").asInt()).isZero();
        JsonNode ring = JSON.readTree(lines.get(1));
        assertThat(ring.path("RequestToRing").asLong()).isEqualTo(480);
        assertThat(ring.at("/_aws/CloudWatchMetrics/0/Dimensions").toString()).isEqualTo("[[\"Route\"]]");
        assertThat(String.join("\n", lines)).doesNotContain("ann").doesNotContain("ben");
    }

    @Test
    void anAnsweredCallsBridgeIsTimedFromItsAnswer() throws Exception {
        Outcome started = machine.start(new CallEvent.CallRequested("r", "c3", T0, "ann", "a1", "ben"), List.of("a1"),
                new Route.Voip(List.of("b1"), List.of()));
        Outcome answered = machine.apply(started.call(), new CallEvent.CallAnswered("ans", "c3", T0.plusSeconds(3), 1, 1, "b1"));

        metrics.bridged(answered.call(), T0.plusSeconds(3).plusMillis(215));
        metrics.bridged(started.call(), T0.plusSeconds(4)); // never answered: nothing to time

        assertThat(lines).singleElement().satisfies(line -> {
            JsonNode bridge = JSON.readTree(line);
            assertThat(bridge.path("AnswerToBridge").asLong()).isEqualTo(215);
            assertThat(bridge.path("Route").asText()).isEqualTo("VOIP");
            assertThat(bridge.path("callId").asText()).isEqualTo("c3");
        });
    }

    @Test
    void aCallRefusedBeforeRoutingIsCountedWithTheRouteNoneAndNeverRang() throws Exception {
        metrics.applied(null, machine.start(new CallEvent.CallRequested("r", "c2", T0, "ann", "a1", null,
                "+447400123456"), List.of("a1"), new Route.Refused(Route.Refusal.HIGH_RISK_DESTINATION, "premium")));

        assertThat(lines).singleElement().satisfies(line -> {
            JsonNode call = JSON.readTree(line);
            assertThat(call.path("Route").asText()).isEqualTo("NONE");
            assertThat(call.path("EndReason").asText()).isEqualTo("HIGH_RISK_DESTINATION");
        });
    }
}
