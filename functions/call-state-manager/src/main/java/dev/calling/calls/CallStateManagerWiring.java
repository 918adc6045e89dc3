package dev.calling.calls;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.abuse.EventBridgeLimitAlerts;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.metrics.EmfCallMetrics;
import dev.calling.adapters.privacy.DynamoDbBlockList;
import dev.calling.adapters.privacy.DynamoDbKnownCallers;
import dev.calling.adapters.realtime.ConnectionPush;
import dev.calling.secrets.SecretsManagerClients;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.adapters.realtime.RealtimePush;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.routing.DynamoDbRateDecks;
import dev.calling.adapters.routing.S3RateDeckObjects;
import dev.calling.adapters.routing.ScheduledRateDecks;
import dev.calling.adapters.Resources;
import dev.calling.adapters.sqs.SqsCallPushes;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.adapters.sqs.SqsDeadLetters;
import dev.calling.adapters.sweeper.CallSweeper;
import dev.calling.adapters.sqs.SqsSwitchCommands;
import dev.calling.adapters.sqs.SqsTimers;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.CallStateManager;
import dev.calling.core.call.CatalogueRouter;
import dev.calling.core.call.CommandPorts;
import dev.calling.core.call.PartyNotifier;
import dev.calling.core.routing.HighRiskDestinations;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.charging.PrepaidAuthoriser;
import dev.calling.core.charging.PrepaidBilling;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.switching.chime.ChimeMeetingsClients;
import dev.calling.switching.chime.ChimeMeetingsSwitch;
import dev.calling.switching.chime.MeetingSettings;
import dev.calling.carrier.rest.CarrierSecret;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the call state manager from configuration; created once per Lambda container.
 * It reads the session service's table directly (read-only) to answer "which live connections has
 * user U": one strongly consistent query, cheaper and faster than invoking another function.
 */
@ApplicationScoped
public class CallStateManagerWiring {

    /** The longest a scheduled rate deck's download may take (a deck of ~40k lines is about 1 MB gzipped). */
    static final Duration RATE_DECK_DOWNLOAD_TIMEOUT = Duration.ofSeconds(5);

    @ConfigProperty(name = "calling.aws.region")
    String region;

    @ConfigProperty(name = "calling.aws.dynamodb-endpoint")
    Optional<URI> dynamoDbEndpoint;

    /**
     * A REST carrier's credential given as a plain value in the environment fails the start, naming the
     * {@code ...-secret-id} setting to use instead: it would be readable by anyone who may read the
     * function's configuration, and never rotated.
     */
    void refusePlainCarrierSecrets(@Observes StartupEvent start, Config config) {
        CarrierSecret.refusePlainSecrets(config.getPropertyNames());
    }

    private AwsClients clients() {
        return new AwsClients(region, dynamoDbEndpoint, Optional.empty());
    }

    @Produces
    @ApplicationScoped
    SqsTimers timers(SqsClient sqs, Clock clock, @ConfigProperty(name = "calling.queues.call-timers") String url,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl) {
        return new SqsTimers(sqs, url, new SqsCallStateChanges(sqs, callStateChangesUrl), clock);
    }

    @Produces
    @ApplicationScoped
    CallStateManager callStateManager(DynamoDbClient dynamoDb, SqsClient sqs, SqsTimers timers, Clock clock,
            @ConfigProperty(name = "calling.tables.calls") String callsTable,
            @ConfigProperty(name = "calling.tables.sessions") String sessionsTable,
            @ConfigProperty(name = "calling.tables.subscribers") String subscribersTable,
            @ConfigProperty(name = "calling.tables.carrier-health") String carrierHealthTable,
            @ConfigProperty(name = "calling.queues.switch-commands") String switchCommandsUrl,
            @ConfigProperty(name = "calling.tables.carrier-legs") String carrierLegsTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl,
            CallStateMachine.Timing timing,
            @ConfigProperty(name = "calling.carrier-ids") Optional<List<String>> carrierIds, Config config,
            @ConfigProperty(name = "calling.tables.accounts") String accountsTable,
            @ConfigProperty(name = "calling.tables.call-detail-records") String callDetailRecordsTable,
            @ConfigProperty(name = "calling.charging.longest-call") Duration longestCall,
            @ConfigProperty(name = "calling.realtime.endpoint") Optional<URI> realtimeEndpoint,
            @ConfigProperty(name = "calling.tables.call-media") String callMediaTable,
            @ConfigProperty(name = "calling.tables.devices") String devicesTable,
            @ConfigProperty(name = "calling.tables.blocks") String blocksTable,
            @ConfigProperty(name = "calling.tables.known-callers") String knownCallersTable,
            @ConfigProperty(name = "calling.queues.call-pushes") String callPushesUrl,
            @ConfigProperty(name = "calling.chime-meetings.region") String chimeMeetingsRegion,
            @ConfigProperty(name = "calling.chime-meetings.media-region") String mediaRegion,
            @ConfigProperty(name = "calling.aws.secretsmanager-endpoint") Optional<URI> secretsManagerEndpoint,
            @ConfigProperty(name = "calling.aws.eventbridge-endpoint") Optional<URI> eventBridgeEndpoint,
            @ConfigProperty(name = "calling.tables.rate-decks") String rateDecksTable,
            @ConfigProperty(name = "calling.buckets.rate-decks") String rateDecksBucket,
            @ConfigProperty(name = "calling.aws.s3-endpoint") Optional<URI> s3Endpoint,
            @ConfigProperty(name = "calling.carriers.rate-deck-refresh") Duration rateDeckRefresh) {
        PricePlan pricePlan = PricePlans.fromConfig(config);
        DynamoDbKnownCallers knownCallers = new DynamoDbKnownCallers(dynamoDb, knownCallersTable);
        DynamoDbAccounts accounts = new DynamoDbAccounts(dynamoDb, accountsTable);
        SqsCallStateChanges callStateChanges = new SqsCallStateChanges(sqs, callStateChangesUrl);
        DynamoDbCallMedia callMedia = new DynamoDbCallMedia(dynamoDb, callMediaTable);
        MediaJoinPush mediaPush = realtimeEndpoint.map(endpoint -> MediaJoinPush.through(new ConnectionPush(
                clients().apiGatewayManagement(endpoint)))).orElse(MediaJoinPush.NONE);
        // Only a Chime carrier without a Voice Connector needs them: its answered legs join the call's meeting.
        Supplier<ChimeMeetingsSwitch> meetings = () -> new ChimeMeetingsSwitch(
                ChimeMeetingsClients.create(chimeMeetingsRegion, Optional.empty()), callMedia, mediaPush,
                callStateChanges, MeetingSettings.in(mediaRegion), clock);
        Carriers carriers = Carriers.from(carrierIds.orElse(List.of()),
                (id, name) -> config.getOptionalValue("calling.carriers." + id + "." + name, String.class),
                new Carriers.Edges(region, new DynamoDbCarrierLegs(dynamoDb, carrierLegsTable, clock), callStateChanges,
                        callMedia, mediaPush, meetings,
                        () -> SecretsManagerClients.create(region, secretsManagerEndpoint), clock));
        // Operators' scheduled cost decks; the S3 client is built on the first deck to download, not at the start, and
        // a download (on a call's path, once per deck version) is bounded so that a slow S3 holds no call for long.
        ScheduledRateDecks scheduledDecks = new ScheduledRateDecks(new DynamoDbRateDecks(dynamoDb, rateDecksTable),
                new S3RateDeckObjects(() -> new AwsClients(region, Optional.empty(), Optional.empty(), s3Endpoint)
                        .s3(RATE_DECK_DOWNLOAD_TIMEOUT), rateDecksBucket), carriers.providers(), rateDeckRefresh);
        DynamoDbCarrierCatalogue catalogue = new DynamoDbCarrierCatalogue(dynamoDb, carrierHealthTable,
                carriers.providers(), ProviderHealth.Policy.defaults(), scheduledDecks);
        SqsSwitchCommands switchCommands = new SqsSwitchCommands(sqs, switchCommandsUrl);
        DynamoDbSessionStore sessions = new DynamoDbSessionStore(dynamoDb, sessionsTable);
        PartyNotifier parties = realtimeEndpoint
                .<PartyNotifier>map(endpoint -> new RealtimePush(clients().apiGatewayManagement(endpoint), sessions, clock))
                .orElse(PartyNotifier.NONE);
        return new CallStateManager(new DynamoDbCallStore(dynamoDb, callsTable), sessions,
                new CatalogueRouter(new ProviderRouting(highRiskDestinations(config)),
                        new DynamoDbSubscriberDirectory(dynamoDb, subscribersTable), catalogue,
                        new DynamoDbBlockList(dynamoDb, blocksTable), knownCallers),
                catalogue, new PrepaidAuthoriser(user -> pricePlan, accounts, longestCall,
                        config.getValue("calling.limits.concurrent-pstn-calls", Integer.class)),
                new CommandPorts(switchCommands, carriers.port(), timers, new PrepaidBilling(accounts,
                        new DynamoDbCallDetailRecords(dynamoDb, callDetailRecordsTable)),
                        new SqsCallPushes(sqs, callPushesUrl), parties,
                        new EventBridgeLimitAlerts(() -> clients().eventBridge(eventBridgeEndpoint)),
                        EmfCallMetrics.toStandardOutput()),
                new CallStateMachine(timing), clock, new DynamoDbDevices(dynamoDb, devicesTable), knownCallers);
    }

    /**
     * The high-risk destinations refused to callers not allow-listed for them: libphonenumber number types
     * ({@code calling.limits.high-risk-number-types}) and E.164 prefixes ({@code calling.limits.high-risk-prefixes});
     * {@code NONE} for either list leaves it empty.
     */
    static HighRiskDestinations highRiskDestinations(Config config) {
        return HighRiskDestinations.of(list(config, "calling.limits.high-risk-number-types"),
                list(config, "calling.limits.high-risk-prefixes"));
    }

    private static List<String> list(Config config, String property) {
        List<String> values = config.getValues(property, String.class);
        return values.size() == 1 && values.get(0).equals("NONE") ? List.of() : values;
    }

    /**
     * The call state machine's times: the ring timeout, the longest call (charged or not), the watchdog's, the
     * push window before a fallback to the callee's phone number.
     */
    @Produces
    @jakarta.inject.Singleton
    CallStateMachine.Timing timing(@ConfigProperty(name = "calling.calls.ring-timeout") Duration ringTimeout,
            @ConfigProperty(name = "calling.charging.longest-call") Duration longestCall,
            @ConfigProperty(name = "calling.calls.check-interval") Duration checkInterval,
            @ConfigProperty(name = "calling.calls.report-wait") Duration reportWait,
            @ConfigProperty(name = "calling.calls.push-window") Duration pushWindow) {
        return new CallStateMachine.Timing(ringTimeout, longestCall, checkInterval, reportWait, pushWindow);
    }

    /** Where a call event that can never be read is kept (see SqsBatchProcessor). */
    @Produces
    @ApplicationScoped
    SqsDeadLetters deadLetters(SqsClient sqs,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl,
            @ConfigProperty(name = "calling.queues.call-timers") String timersUrl) {
        return new SqsDeadLetters(sqs).of(Resources.CALL_STATE_CHANGES, callStateChangesUrl)
                .of(Resources.CALL_TIMERS, timersUrl);
    }

    @Produces
    @ApplicationScoped
    CallSweeper sweeper(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock,
            @ConfigProperty(name = "calling.tables.calls") String callsTable,
            @ConfigProperty(name = "calling.tables.carrier-health") String carrierHealthTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl,
            @ConfigProperty(name = "calling.carrier-ids") Optional<List<String>> carrierIds,
            @ConfigProperty(name = "calling.sweeper.grace") Duration grace,
            @ConfigProperty(name = "calling.tables.accounts") String accountsTable,
            @ConfigProperty(name = "calling.charging.longest-call") Duration longestCall) {
        // A hold older than the longest call and an hour, whose call was never recorded, is released.
        return new CallSweeper(dynamoDb, callsTable, new SqsCallStateChanges(sqs, callStateChangesUrl),
                carrierHealthTable, carrierIds.orElse(List.of()), accountsTable, grace, longestCall.plusHours(1), clock);
    }
}
