package dev.calling.calls;

import dev.calling.adapters.carrier.CarriersById;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.chime.ChimeClients;
import dev.calling.carrier.chime.ChimeSdkVoiceCarrier;
import dev.calling.carrier.chime.ChimeSettings;
import dev.calling.carrier.chime.MeetingSeats;
import dev.calling.switching.chime.ChimeMeetingsSwitch;
import software.amazon.awssdk.services.chimesdkmeetings.model.ChimeSdkMeetingsException;
import dev.calling.carrier.rest.RestCarrier;
import dev.calling.carrier.rest.RestCarrierApi;
import dev.calling.carrier.rest.RestCarrierConfig;
import dev.calling.core.call.CarrierPort;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.RateDeck;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The configured PSTN carriers, built once per container: each one's terms for routing (with its
 * rate deck compiled from the CSV packaged in the zip) and its adapter behind the carrier port.
 *
 * <p>Configuration: {@code calling.carrier-ids} lists the carriers; each reads
 * {@code calling.carriers.<id>.<setting>} ({@code CALLING_CARRIERS_<ID>_<SETTING>} in the
 * environment): {@code adapter} (CHIME or REST), {@code rate-deck} (a packaged resource such as
 * {@code rate-decks/atlas.csv.gz}), {@code max-concurrent-calls} (100), {@code enabled} (true),
 * {@code quality} (50), and the adapter's own: Chime {@code sip-media-application-id},
 * {@code from-number}, and either {@code voice-connector-arn} with {@code bridge-user-template}
 * (answered legs bridged to a SIP switch) or none (answered legs join the call's Amazon Chime SDK
 * meeting, made by {@code meetings}: the switch in AWS); REST as
 * {@link RestCarrierConfig#fromSettings} reads them (the carrier-webhook function reads the same).
 */
record Carriers(List<Provider> providers, CarrierPort port) {

    /** Which adapter speaks to a carrier. */
    enum Adapter { CHIME, REST }

    static Carriers from(List<String> ids, BiFunction<String, String, Optional<String>> setting, String region,
            DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges, Clock clock,
            Supplier<ChimeMeetingsSwitch> meetings) {
        List<Provider> providers = new ArrayList<>();
        Map<String, CarrierPort> adapters = new LinkedHashMap<>();
        for (String id : ids) {
            Function<String, Optional<String>> of = name -> setting.apply(id, name);
            Function<String, String> required = name -> of.apply(name).orElseThrow(() -> new IllegalStateException(
                    "carrier " + id + " needs calling.carriers." + id + "." + name));
            providers.add(new Provider(id, ProviderKind.PSTN, rateDeck(required.apply("rate-deck")),
                    of.apply("max-concurrent-calls").map(Integer::parseInt).orElse(100),
                    of.apply("enabled").map(Boolean::parseBoolean).orElse(true),
                    of.apply("quality").map(Integer::parseInt).orElse(50)));
            adapters.put(id, switch (Adapter.valueOf(required.apply("adapter").toUpperCase(Locale.ROOT))) {
                case CHIME -> {
                    ChimeSettings chime = new ChimeSettings(id, required.apply("sip-media-application-id"),
                            required.apply("from-number"), of.apply("voice-connector-arn").orElse(null),
                            of.apply("bridge-user-template").orElse("{connectionId}"));
                    yield new ChimeSdkVoiceCarrier(ChimeClients.create(region, Optional.empty()), chime, legs,
                            callStateChanges, clock, chime.voiceConnectorArn() == null
                                    ? Optional.of(seatsIn(meetings.get())) : Optional.empty());
                }
                case REST -> new RestCarrier(new RestCarrierApi(RestCarrierConfig.fromSettings(id, of)
                        .orElseThrow(() -> new IllegalStateException("carrier " + id + " needs calling.carriers." + id
                                + ".base-url"))), legs, callStateChanges, clock);
            });
        }
        return new Carriers(List.copyOf(providers), new CarriersById(adapters));
    }

    /** A Chime carrier's answered legs take their seats in the meetings of the switch in AWS. */
    static MeetingSeats seatsIn(ChimeMeetingsSwitch meetings) {
        return new MeetingSeats() {
            @Override
            public Optional<Seat> seat(String callId, int attempt, String callerUserId, String callerConnectionId) {
                try {
                    return meetings.seatPhone(callId, attempt, callerUserId, callerConnectionId)
                            .map(seat -> new Seat(seat.meetingId(), seat.joinToken(), seat.seatedBefore()));
                } catch (ChimeSdkMeetingsException refused) {
                    throw new Unavailable(refused.getMessage(), refused);
                }
            }

            @Override
            public void seated(String callId, int attempt) {
                meetings.phoneSeated(callId, attempt);
            }
        };
    }

    private static RateDeck rateDeck(String resource) {
        return PricePlans.deck(resource);
    }
}
