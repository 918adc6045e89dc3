package dev.calling.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.json.Json;
import dev.calling.adapters.json.MalformedMessage;
import dev.calling.core.call.Attempt;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.Charging;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.RouteKind;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.Route;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.Party;
import dev.calling.core.session.ConnectionEvent;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTest {

    static final Instant T = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void everyCallEventRoundTripsWithItsTypeName() {
        List<CallEvent> events = List.of(
                new CallEvent.CallRequested("e1", "c1", T, "alice", "a1", "bob"),
                new CallEvent.CallRinging("e2", "c1", T, 1, 1),
                new CallEvent.CallAnswered("e3", "c1", T, 1, 2, "b1"),
                new CallEvent.CallDeclined("e4", "c1", T, 0, 0),
                new CallEvent.CalleeBusy("e5", "c1", T, 1, 1),
                new CallEvent.CallHungUp("e6", "c1", T, 1, 3, Party.CALLER),
                new CallEvent.CallFailed("e7", "c1", T, 1, 2, 503, "SIP 503"),
                CallEvent.RingTimeoutElapsed.of("c1", T),
                CallEvent.CallTimeLimitReached.of("c1", T));
        for (CallEvent event : events) {
            String json = Json.write(event);
            assertThat(json).contains("\"type\":\"" + event.getClass().getSimpleName() + "\"");
            assertThat(Json.readCallEvent(json)).isEqualTo(event);
        }
        assertThat(Json.readEvents(Json.writeEvents(events))).isEqualTo(events);
    }

    @Test
    void readsTheDocumentedWireShape() {
        CallEvent event = Json.readCallEvent("""
                {"type":"CallAnswered","eventId":"e3","callId":"c1","at":"2026-11-24T10:00:00Z",
                 "attempt":1,"switchSequence":2,"connectionId":"b1","addedLater":"ignored"}""");

        assertThat(event).isEqualTo(new CallEvent.CallAnswered("e3", "c1", T, 1, 2, "b1"));
    }

    @Test
    void connectionEventsAndCommandsRoundTrip() {
        ConnectionEvent opened = new ConnectionEvent.ConnectionOpened("e", "bob", "s1", "b1", T);
        CallCommand ring = new CallCommand.RingCallee("c1", "alice", "a1", "bob", List.of("b1", "b2"));

        assertThat(Json.readConnectionEvent(Json.write(opened))).isEqualTo(opened);
        assertThat(Json.readCallCommand(Json.write(ring))).isEqualTo(ring);
        assertThat(Json.readCommands(Json.writeCommands(List.of(ring)))).containsExactly(ring);
    }

    @Test
    void timersAndChargesRoundTripThroughTheOutboxWithTheirTermsAndRecords() {
        Rate rate = new Rate("447", Money.of("0.09", "USD"), Money.of("0.05", "USD"), BillingIncrement.THIRTY_SIX,
                LocalDate.of(2026, 1, 1));
        CallDetailRecord record = new CallDetailRecord("c1", "alice", "+447400123456", "+447400123456", RouteKind.PSTN,
                "atlas", List.of(new Attempt(1, "atlas", T, T.plusSeconds(70), AttemptOutcome.ANSWERED, 0)), T,
                T.plusSeconds(5), T.plusSeconds(70), EndReason.COMPLETED, 65, 66, Money.of("0.20", "USD"),
                Money.of("0.0123", "USD"));
        List<CallCommand> outbox = List.of(new CallCommand.ScheduleRingTimeout("c1", T),
                new CallCommand.ScheduleCutOff("c1", T.plusSeconds(1800)),
                new CallCommand.ChargeCall("c1", record, true));
        Charging charging = new Charging(rate, Money.of("2.75", "USD"), 1800);

        String json = Json.writeCommands(outbox);
        assertThat(json).contains("\"type\":\"ScheduleCutOff\"", "\"type\":\"ChargeCall\"");
        assertThat(Json.readCommands(json)).isEqualTo(outbox);
        assertThat(Json.readCharging(Json.write(charging))).isEqualTo(charging);
        List<Route.ProviderOption> options = List.of(new Route.ProviderOption("atlas", rate));
        assertThat(Json.readProviderOptions(Json.writeProviderOptions(options))).isEqualTo(options);
    }

    @Test
    void malformedMessagesFailWithAClearReason() {
        assertThatThrownBy(() -> Json.readCallEvent("{not json")).isInstanceOf(MalformedMessage.class)
                .hasMessageStartingWith("malformed call event");
        assertThatThrownBy(() -> Json.readCallEvent("{\"type\":\"CallTeleported\",\"callId\":\"c\"}"))
                .isInstanceOf(MalformedMessage.class).hasMessageContaining("CallTeleported");
        assertThatThrownBy(() -> Json.readCallEvent("{\"type\":\"CallAnswered\",\"callId\":\"c1\"}"))
                .isInstanceOf(MalformedMessage.class).hasMessageContaining("eventId is required");
        assertThatThrownBy(() -> Json.readCallEvent("")).isInstanceOf(MalformedMessage.class);
        assertThatThrownBy(() -> Json.readConnectionEvent("null")).isInstanceOf(MalformedMessage.class);
    }
}
