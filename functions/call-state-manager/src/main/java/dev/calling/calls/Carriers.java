package dev.calling.calls;

import dev.calling.adapters.carrier.CarriersById;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.carrier.twilio.CallerClient;
import dev.calling.carrier.twilio.TwilioApi;
import dev.calling.carrier.twilio.TwilioCarrier;
import dev.calling.carrier.twilio.TwilioConfig;
import dev.calling.carrier.twilio.TwilioPriceList;
import dev.calling.carrier.twilio.TwilioSecretSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.chime.ChimeClients;
import dev.calling.carrier.chime.ChimeSdkVoiceCarrier;
import dev.calling.carrier.chime.ChimeSettings;
import dev.calling.carrier.chime.MeetingSeats;
import dev.calling.switching.chime.ChimeMeetingsSwitch;
import software.amazon.awssdk.services.chimesdkmeetings.model.ChimeSdkMeetingsException;
import dev.calling.carrier.rest.CarrierSecret;
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
 * rate deck compiled from the price list packaged in the zip) and its adapter behind the carrier port.
 *
 * <p>Configuration: {@code calling.carrier-ids} lists the carriers; each reads
 * {@code calling.carriers.<id>.<setting>} ({@code CALLING_CARRIERS_<ID>_<SETTING>} in the
 * environment): {@code adapter} (TWILIO, CHIME or REST), {@code rate-deck} (a packaged resource: a
 * CSV deck such as {@code rate-decks/atlas.csv.gz}, or a Twilio voice price list {@code .json} /
 * {@code .json.gz} as the Pricing API returns it, read with {@code price-list-price} CURRENT or BASE
 * and {@code price-list-from}, the ISO date it applies from), {@code max-concurrent-calls} (100),
 * {@code enabled} (true), {@code quality} (50), and the adapter's own: Twilio as
 * {@link TwilioConfig#fromSettings} reads them, with {@code secret-id}, the Secrets Manager secret
 * holding {@code {"authToken":...,"apiKeySecret":...}}; Chime {@code sip-media-application-id},
 * {@code from-number}, and either {@code voice-connector-arn} with {@code bridge-user-template}
 * (answered legs bridged to a SIP switch) or none (answered legs join the call's Amazon Chime SDK
 * meeting, made by {@code meetings}: the switch in AWS); REST as {@link RestCarrierConfig#fromSettings}
 * reads them, with {@code api-key-secret-id}, the Secrets Manager secret holding {@code {"apiKey":...}}. The carrier-webhook function reads the same settings.
 */
record Carriers(List<Provider> providers, CarrierPort port) {

    /** Which adapter speaks to a carrier. */
    enum Adapter { TWILIO, CHIME, REST }

    /**
     * What the adapters are built with: the carrier-legs table, the queue their reports go to, the
     * call-media table and the push that hand the caller's app its media credentials, and, built
     * only when a carrier needs them, the switch's meetings and a Secrets Manager client.
     */
    record Edges(String region, DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges,
            DynamoDbCallMedia callMedia, MediaJoinPush mediaPush, Supplier<ChimeMeetingsSwitch> meetings,
            Supplier<SecretsManagerClient> secretsManager, Clock clock) {}

    static Carriers from(List<String> ids, BiFunction<String, String, Optional<String>> setting, Edges edges) {
        List<Provider> providers = new ArrayList<>();
        Map<String, CarrierPort> adapters = new LinkedHashMap<>();
        for (String id : ids) {
            Function<String, Optional<String>> of = name -> setting.apply(id, name);
            Function<String, String> required = name -> of.apply(name).orElseThrow(() -> new IllegalStateException(
                    "carrier " + id + " needs calling.carriers." + id + "." + name));
            Adapter adapter = Adapter.valueOf(required.apply("adapter").toUpperCase(Locale.ROOT));
            providers.add(new Provider(id, ProviderKind.PSTN, rateDeck(required.apply("rate-deck"), of),
                    of.apply("max-concurrent-calls").map(Integer::parseInt).orElse(100),
                    of.apply("enabled").map(Boolean::parseBoolean).orElse(true),
                    of.apply("quality").map(Integer::parseInt).orElse(50)));
            adapters.put(id, switch (adapter) {
                case TWILIO -> twilio(id, of, required, edges);
                case CHIME -> {
                    ChimeSettings chime = new ChimeSettings(id, required.apply("sip-media-application-id"),
                            required.apply("from-number"), of.apply("voice-connector-arn").orElse(null),
                            of.apply("bridge-user-template").orElse("{connectionId}"));
                    yield new ChimeSdkVoiceCarrier(ChimeClients.create(edges.region(), Optional.empty()), chime,
                            edges.legs(), edges.callStateChanges(), edges.clock(), chime.voiceConnectorArn() == null
                                    ? Optional.of(seatsIn(edges.meetings().get())) : Optional.empty());
                }
                case REST -> rest(id, of, edges);
            });
        }
        return new Carriers(List.copyOf(providers), new CarriersById(adapters));
    }

    /** A REST carrier; its API key is read from Secrets Manager ({@code api-key-secret-id}) when first needed. */
    static RestCarrier rest(String id, Function<String, Optional<String>> of, Edges edges) {
        RestCarrierConfig config;
        try {
            config = RestCarrierConfig.fromSettings(id, of,
                    secretId -> CarrierSecret.apiKey(edges.secretsManager().get(), secretId, edges.clock()))
                    .orElseThrow(() -> new IllegalStateException("carrier " + id + " needs calling.carriers." + id
                            + ".base-url"));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return new RestCarrier(new RestCarrierApi(config), edges.legs(), edges.callStateChanges(), edges.clock());
    }

    /** A Twilio account; its secrets are read from Secrets Manager when first needed, never from the environment. */
    static TwilioCarrier twilio(String id, Function<String, Optional<String>> of, Function<String, String> required,
            Edges edges) {
        TwilioConfig config = twilioConfig(id, of,
                TwilioSecretSource.fromSecretsManager(edges.secretsManager().get(), required.apply("secret-id"),
                        edges.clock()));
        return new TwilioCarrier(new TwilioApi(config),
                new CallerClient(config, edges.callMedia(), edges.mediaPush(), edges.clock()),
                edges.legs(), edges.callStateChanges(), edges.clock());
    }

    /** A Twilio carrier's settings; it needs an API key: the caller's app takes the bridge with a token signed by it. */
    static TwilioConfig twilioConfig(String id, Function<String, Optional<String>> of, TwilioSecretSource secrets) {
        TwilioConfig config = TwilioConfig.fromSettings(id, of, secrets).orElseThrow(() -> new IllegalStateException(
                "carrier " + id + " needs calling.carriers." + id + ".account-sid"));
        if (config.apiKeySid() == null) {
            throw new IllegalStateException("carrier " + id + " needs calling.carriers." + id + ".api-key-sid: the"
                    + " caller's app takes the bridged call with a Voice access token signed by an API key");
        }
        return config;
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

    /** A CSV rate deck, or a Twilio voice price list ({@code .json}, {@code .json.gz}) priced from our {@code from-number}. */
    static RateDeck rateDeck(String resource, Function<String, Optional<String>> of) {
        if (!resource.endsWith(".json") && !resource.endsWith(".json.gz")) {
            return PricePlans.deck(resource);
        }
        String from = of.apply("from-number").orElseThrow(() -> new IllegalStateException(
                "a Twilio price list is priced from the carrier's from-number, which " + resource + "'s carrier lacks"));
        TwilioPriceList.Price price = TwilioPriceList.Price.valueOf(
                of.apply("price-list-price").orElse("CURRENT").toUpperCase(Locale.ROOT));
        LocalDate effectiveFrom = of.apply("price-list-from").map(LocalDate::parse).orElse(LocalDate.EPOCH);
        try (InputStream in = Carriers.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("price list " + resource + " is not in the function's package");
            }
            return TwilioPriceList.load(in, resource, from, price, effectiveFrom);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read price list " + resource, e);
        }
    }
}
