package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The pure parts of {@link ChimeSwitchLoad}: how the stub's request log is told apart by Chime SDK
 * Meetings operation, and the media cost arithmetic. No latency is asserted here: wall-clock
 * figures are what the driver prints, on whatever machine it runs.
 */
class ChimeSwitchLoadTest {

    @Test
    void stubRequestsAreToldApartByOperation() {
        assertThat(ChimeSwitchLoad.operation("POST", "/meetings")).isEqualTo("CreateMeeting");
        assertThat(ChimeSwitchLoad.operation("POST", "/meetings/4f1c/attendees")).isEqualTo("CreateAttendee");
        assertThat(ChimeSwitchLoad.operation("DELETE", "/meetings/4f1c/attendees/9a2b")).isEqualTo("DeleteAttendee");
        assertThat(ChimeSwitchLoad.operation("DELETE", "/meetings/4f1c")).isEqualTo("DeleteMeeting");
        assertThat(ChimeSwitchLoad.operation("DELETE", "/meetings/4f1c?x=1")).isEqualTo("DeleteMeeting");
        assertThat(ChimeSwitchLoad.operation("GET", "/meetings/4f1c")).isEqualTo("other");
        assertThat(ChimeSwitchLoad.operation("POST", "/meetings/4f1c/attendees/batch")).isEqualTo("other");
    }

    @Test
    void aCallCostsBothAttendeesForTheTalkAndTheCallerAloneWhileItRings() {
        double minutes = ChimeSwitchLoad.attendeeMinutes(Duration.ofMinutes(3), Duration.ofSeconds(20));
        assertThat(minutes).isCloseTo(6 + 1 / 3.0, within(1e-9));
        assertThat(minutes * ChimeSwitchLoad.CHIME_MEETINGS_USD_PER_ATTENDEE_MINUTE).isCloseTo(0.0107667, within(1e-6));
    }
}
