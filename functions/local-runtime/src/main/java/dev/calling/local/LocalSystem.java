package dev.calling.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.adapters.AwsClients;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.dynamodb.DynamoDbCallAttempts;
import dev.calling.adapters.metrics.EmfCallMetrics;
import dev.calling.adapters.privacy.DynamoDbBlockList;
import dev.calling.adapters.privacy.DynamoDbKnownCallers;
import dev.calling.adapters.dynamodb.DynamoDbCallHistory;
import dev.calling.adapters.dynamodb.DynamoDbCallRequests;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.realtime.ConnectionPush;
import dev.calling.adapters.realtime.MediaJoinPush;
import dev.calling.adapters.realtime.RealtimePush;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.routing.DynamoDbRateDecks;
import dev.calling.adapters.routing.S3RateDeckObjects;
import dev.calling.adapters.routing.ScheduledRateDecks;
import dev.calling.core.operator.RateDeckScheduling;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import dev.calling.adapters.sqs.SqsDeadLetters;
import dev.calling.adapters.sweeper.CallSweeper;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.adapters.sqs.SqsConnectionEvents;
import dev.calling.adapters.sqs.SqsEventPublisher;
import dev.calling.adapters.sqs.SqsSwitchCommands;
import dev.calling.adapters.sqs.SqsTimers;
import dev.calling.api.CallApi;
import dev.calling.core.operator.AccountAdjustments;
import dev.calling.core.operator.PstnBlocking;
import dev.calling.operator.OperatorApi;
import dev.calling.calls.CallStateManagerHandler;
import dev.calling.core.app.CallControl;
import dev.calling.core.app.CallMedia;
import dev.calling.core.app.MyAccount;
import dev.calling.core.abuse.LimitAlerts;
import dev.calling.core.app.MyBlocks;
import dev.calling.core.app.MyDevices;
import dev.calling.core.app.MySettings;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.CallStateManager;
import dev.calling.core.call.CatalogueRouter;
import dev.calling.core.call.CommandPorts;
import dev.calling.core.call.PartyNotifier;
import dev.calling.core.charging.PrepaidAuthoriser;
import dev.calling.core.charging.PrepaidBilling;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.HighRiskDestinations;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.session.SessionService;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.realtime.Realtime;
import dev.calling.realtime.RealtimeAuthorizer;
import dev.calling.realtime.RealtimeConnections;
import dev.calling.sessions.SessionServiceHandler;
import dev.calling.switching.chime.ChimeMeetingsClients;
import dev.calling.switching.chime.ChimeSwitchFunction;
import dev.calling.switching.chime.MeetingSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import dev.calling.adapters.carrier.CarriersById;
import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.carrier.rest.CarrierWebhook;
import dev.calling.carrier.rest.OrphanCalls;
import dev.calling.carrier.twilio.CallerClient;
import dev.calling.carrier.twilio.TwilioApi;
import dev.calling.carrier.twilio.TwilioCarrier;
import dev.calling.carrier.twilio.TwilioConfig;
import dev.calling.carrier.twilio.TwilioSecretSource;
import dev.calling.carrier.webhook.CarrierWebhookHandler;
import dev.calling.carrier.webhook.TwilioCallbacks;
import dev.calling.core.call.CarrierPort;
import dev.calling.embedded.SecretsManagerStub;
import dev.calling.embedded.SnsStub;
import dev.calling.adapters.sqs.SqsCallPushes;
import dev.calling.push.sns.PlatformApplications;
import dev.calling.push.sns.PushMarkers;
import dev.calling.push.sns.PushSender;
import dev.calling.push.sns.PushSenderHandler;
import dev.calling.push.sns.SnsClients;
import dev.calling.push.sns.SnsPlatform;
import dev.calling.push.sns.SnsPushGateway;
import software.amazon.awssdk.services.sns.SnsClient;
import dev.calling.secrets.SecretsManagerClients;
import software.amazon.awssdk.services.chimesdkmeetings.ChimeSdkMeetingsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole system on the embedded default: dynalite (DynamoDB) and ElasticMQ (SQS), the
 * SessionService, CallStateManager and PushSender functions each fed from its queue(s) the way a Lambda
 * event source mapping would, the simulated switch on the switch-commands queue, and a stub of SNS's mobile
 * push API whose accepted pushes reach the simulated phones ({@link #pushService()}).
 */
public final class LocalSystem implements AutoCloseable {

    /**
     * @param ringTimeout how long callees ring
     * @param retryAfter the queues' visibility timeout
     * @param subscribers users' phone numbers and plans, stored in the {@code subscribers} table at start
     * @param carriers the PSTN carriers, whose health is kept in the {@code carrier-health} table
     * @param breaker the carriers' circuit breaker settings
     * @param pricePlan the retail prices every user pays for PSTN calls (prepaid)
     * @param longestCall the talk time a PSTN call reserves money for, at most
     * @param api the apps' HTTP and WebSocket APIs on localhost, or null for none
     * @param chimeMeetings the endpoint of an Amazon Chime SDK Meetings API (its stub) to run the switch of
     *     the AWS deployment against, or null for the simulated switch
     * @param twilio one of the {@code carriers} reached through the real Twilio adapter, or null: every
     *     carrier is simulated
     * @param pushWindow how long a callee reached by push alone has to answer before the call goes to their phone
     */
    /**
     * The abuse limits, as the deployment configures them ({@code calling.limits.*}): PSTN calls one user may have
     * in progress at once, the high-risk destinations, and call attempts one user may make in a minute.
     */
    public record Limits(int concurrentPstnCalls, HighRiskDestinations highRisk, int callAttemptsPerMinute) {
        public static final Limits DEFAULTS = new Limits(PrepaidAuthoriser.DEFAULT_CONCURRENT_CALLS,
                HighRiskDestinations.DEFAULT, 10);

        public Limits withConcurrentPstnCalls(int calls) {
            return new Limits(calls, highRisk, callAttemptsPerMinute);
        }

        public Limits withCallAttemptsPerMinute(int attempts) {
            return new Limits(concurrentPstnCalls, highRisk, attempts);
        }
    }

    public record Settings(Duration ringTimeout, Duration retryAfter, Duration connectionTtl,
            List<Subscriber> subscribers, List<Provider> carriers, ProviderHealth.Policy breaker, PricePlan pricePlan,
            Duration longestCall, Api api, URI chimeMeetings, Twilio twilio, Duration checkInterval,
            Duration reportWait, Duration pushWindow, Limits limits, RateDecks rateDecks) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(45), EmbeddedAws.DEFAULT_RETRY_AFTER, Duration.ofSeconds(90),
                    List.of(), List.of(), ProviderHealth.Policy.defaults(), everywhere("0.10"), Duration.ofHours(2), null,
                    null, null, CallStateMachine.Timing.CHECK_INTERVAL, CallStateMachine.Timing.REPORT_WAIT,
                    CallStateMachine.Timing.PUSH_WINDOW, Limits.DEFAULTS, RateDecks.NONE);
        }

        /**
         * How often a connected call's watchdog looks at it, and how long a report may wait behind a gap
         * before the watchdog takes the missing one as lost (the call state machine's timing).
         */
        public Settings withWatchdog(Duration every, Duration wait) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, api, chimeMeetings, twilio, every, wait, pushWindow, limits, rateDecks);
        }

        /**
         * How long a callee reached by push alone has to answer in the app before the call goes to their phone
         * number (where routing allows it).
         */
        public Settings withPushWindow(Duration window) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, api, chimeMeetings, twilio, checkInterval, reportWait, window, limits, rateDecks);
        }

        /** The abuse limits of this system (by default the deployment's). */
        public Settings withLimits(Limits newLimits) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, newLimits, rateDecks);
        }

        /** The call state machine's times in this system. */
        public CallStateMachine.Timing callTiming() {
            return new CallStateMachine.Timing(ringTimeout, longestCall, checkInterval, reportWait, pushWindow);
        }

        /** A plan with one price per minute (60/60, no connect fee) to every number. */
        public static PricePlan everywhere(String perMinute) {
            List<Rate> rates = new ArrayList<>();
            for (char digit = '1'; digit <= '9'; digit++) {
                rates.add(new Rate(String.valueOf(digit), Money.of(perMinute, "USD"), Money.of("0", "USD"),
                        BillingIncrement.PER_MINUTE, LocalDate.of(2020, 1, 1)));
            }
            return PricePlan.flat("everywhere-" + perMinute, Currency.getInstance("USD"), RateDeck.of(rates));
        }

        public Settings withRingTimeout(Duration timeout) {
            return new Settings(timeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan, longestCall,
                    api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        public Settings withRetryAfter(Duration retry) {
            return new Settings(ringTimeout, retry, connectionTtl, subscribers, carriers, breaker, pricePlan, longestCall,
                    api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        /** How long a connection without heartbeat stays live. */
        public Settings withConnectionTtl(Duration ttl) {
            return new Settings(ringTimeout, retryAfter, ttl, subscribers, carriers, breaker, pricePlan, longestCall,
                    api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        public Settings withPstn(List<Subscriber> directory, List<Provider> pstnCarriers, ProviderHealth.Policy policy) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, directory, pstnCarriers, policy, pricePlan,
                    longestCall, api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        public Settings withCharging(PricePlan plan, Duration longest) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, plan, longest,
                    api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        /**
         * VoIP calls go through the switch of the AWS deployment (Amazon Chime SDK Meetings, module
         * {@code switch-chime-meetings}) whose API answers at {@code endpoint} (a stub), instead of the
         * simulated switch; PSTN calls then have no local carrier.
         */
        public Settings withChimeMeetings(URI endpoint) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, api, endpoint, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        /**
         * Carrier {@code account.providerId()} (one of the PSTN carriers) is a Twilio account whose API
         * answers at {@code account.apiBase()} (a stub): the real Twilio adapter dials through it, and the
         * CarrierWebhook function takes its callbacks on the local gateway, so this needs {@link #withApi}.
         */
        public Settings withTwilio(Twilio account) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, api, chimeMeetings, account, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }

        /**
         * Operators' scheduled cost decks come from the rate-decks bucket of the S3 server at {@code decks.s3()} (the
         * local s3mock, {@code EmbeddedS3}) and the call state manager reads the schedule every {@code decks.refresh()}.
         */
        public Settings withRateDecks(RateDecks decks) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, api, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, decks);
        }

        /** Serves the apps' APIs on localhost, with tokens signed by {@code tokens}' key. */
        public Settings withApi(Api gateway) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, subscribers, carriers, breaker, pricePlan,
                    longestCall, gateway, chimeMeetings, twilio, checkInterval, reportWait, pushWindow, limits, rateDecks);
        }
    }

    /**
     * Where operators' scheduled cost decks are read from: the S3 server with the rate-decks bucket, asked for on the
     * first deck read ({@code null}: none,
     * as by default, since most runs need no s3mock: a scheduled deck then cannot be loaded or scheduled), and how
     * often the call state manager reads a carrier's schedule from the rate-decks table (the deployment's 60 s).
     */
    public record RateDecks(java.util.function.Supplier<URI> s3, Duration refresh) {
        public static final RateDecks NONE = new RateDecks(null, Duration.ofSeconds(60));
    }

    /**
     * A Twilio account used as a PSTN carrier. Its secrets go into a Secrets Manager stub the system
     * starts, from which the adapter reads them as it does in AWS.
     *
     * @param providerId the carrier's id among the PSTN carriers
     * @param apiBase where its REST API answers (a stub of Twilio's)
     */
    public record Twilio(String providerId, URI apiBase, String accountSid, String apiKeySid, String fromNumber,
            String authToken, String apiKeySecret) {
        @Override
        public String toString() {
            return "Twilio[" + providerId + ", " + accountSid + " at " + apiBase + ", secrets redacted]";
        }
    }

    /**
     * The apps' APIs on localhost (see {@link LocalGateway}).
     *
     * @param httpPort the HTTP API's port, 0 for any free one
     * @param webSocketPort the WebSocket API's port, 0 for any free one
     * @param tokens the key whose tokens the gateway accepts (and a way to mint them)
     */
    public record Api(int httpPort, int webSocketPort, DevTokenIssuer tokens) {}

    /**
     * Extra wiring for the resilience suite and the load driver (module {@code functions/resilience});
     * {@link #none()} for everything else.
     *
     * @param clients the clients the functions and the switch use, given the started emulators
     *     (SDK interceptors that count or inject faults, endpoints through a proxy)
     * @param concurrency pollers per event source, by name ({@code SessionService}, {@code CallStateManager},
     *     {@code CallStateManager-timers}, {@code SimulatedSwitch}); absent names keep their default
     * @param functions wraps each function as its event source calls it (name, function), to count
     *     invocations or to misdeliver batches
     * @param observer told of every stored change of a call, after its commands were issued (as the apps are)
     * @param dynamoDbDirectory the embedded DynamoDB's data directory, so that it can be restarted, or null for in-memory
     * @param mediaObserver told of every media join info the switch hands out (with the Chime switch), after
     *     the apps are
     */
    public record Instrumentation(Function<EmbeddedAws, AwsClients> clients,
            Map<String, Integer> concurrency,
            BiFunction<String, RequestHandler<SQSEvent, SQSBatchResponse>, RequestHandler<SQSEvent, SQSBatchResponse>> functions,
            PartyNotifier observer, Path dynamoDbDirectory, MediaJoinPush mediaObserver) {

        public Instrumentation(Function<EmbeddedAws, AwsClients> clients, Map<String, Integer> concurrency,
                BiFunction<String, RequestHandler<SQSEvent, SQSBatchResponse>, RequestHandler<SQSEvent, SQSBatchResponse>> functions,
                PartyNotifier observer, Path dynamoDbDirectory) {
            this(clients, concurrency, functions, observer, dynamoDbDirectory, MediaJoinPush.NONE);
        }

        public static Instrumentation none() {
            return new Instrumentation(EmbeddedAws::clients, Map.of(), (name, function) -> function,
                    PartyNotifier.NONE, null, MediaJoinPush.NONE);
        }
    }

    private final EmbeddedAws aws;
    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final SqsEventPublisher publisher;
    private final SimulatedSwitch simulatedSwitch;
    private final LocalGateway gateway;
    private final DynamoDbCallStore calls;
    private final DynamoDbSessionStore sessions;
    private final DynamoDbCarrierCatalogue carriers;
    private final S3RateDeckObjects rateDeckObjects;
    private final DynamoDbRateDecks rateDecks;
    private final java.util.Set<String> carrierIds;
    private final DynamoDbAccounts accounts;
    private final DynamoDbCallDetailRecords callDetailRecords;
    private final List<QueueEventSource> eventSources = new ArrayList<>();
    /** How often the local sweeper runs, as the CDK app's schedule does in AWS, and the grace it gives a call. */
    static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
    static final Duration SWEEP_GRACE = Duration.ofMinutes(2);
    private final CallSweeper sweeper;
    private final ScheduledExecutorService sweeps = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "call-sweeper");
        thread.setDaemon(true);
        return thread;
    });
    private final DynamoDbCallMedia callMedia;
    private ChimeSdkMeetingsClient chimeClient;
    private SecretsManagerStub secretsManagerStub;
    private SecretsManagerClient secretsManager;
    private final DynamoDbDevices devices;
    private final DynamoDbBlockList blocks;
    private final DynamoDbKnownCallers knownCallers;
    private final DynamoDbSubscriberDirectory subscribers;
    /** The abuse-limit alerts raised (EventBridge events in AWS; kept here for tests and the demo). */
    private final List<LimitAlerts.Alert> limitAlerts = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> metricLines = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SnsStub sns;
    private final SnsClient snsClient;
    private final PushService pushService = new PushService();

    /** The platform applications of the local SNS (its stub), one per platform, as an operator creates them. */
    static final PlatformApplications PUSH_APPLICATIONS = PlatformApplications.of(Map.of(
            SnsPlatform.APNS_VOIP, SnsStub.application("APNS_VOIP", "calling-local-voip"),
            SnsPlatform.APNS_VOIP_SANDBOX, SnsStub.application("APNS_VOIP_SANDBOX", "calling-local-voip"),
            SnsPlatform.APNS, SnsStub.application("APNS", "calling-local"),
            SnsPlatform.APNS_SANDBOX, SnsStub.application("APNS_SANDBOX", "calling-local"),
            SnsPlatform.GCM, SnsStub.application("GCM", "calling-local")));

    private final Instrumentation instrumentation;

    private LocalSystem(Settings settings, Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
        Clock clock = Clock.systemUTC();
        aws = EmbeddedAws.start(settings.retryAfter(), instrumentation.dynamoDbDirectory());
        AwsClients clients = instrumentation.clients().apply(aws);
        dynamoDb = clients.dynamoDb();
        sqs = clients.sqs();
        calls = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        sessions = new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name());
        publisher = new SqsEventPublisher(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES),
                aws.queueUrl(Resources.CONNECTION_EVENTS));

        var sessionService = new SessionServiceHandler(
                new SessionService(sessions, settings.connectionTtl(), Duration.ofDays(1)));
        SqsTimers timers = new SqsTimers(sqs, aws.queueUrl(Resources.CALL_TIMERS),
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), clock);
        SqsSwitchCommands switchCommands = new SqsSwitchCommands(sqs, aws.queueUrl(Resources.SWITCH_COMMANDS));
        subscribers = new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name());
        settings.subscribers().forEach(subscribers::put);
        rateDeckObjects = rateDeckObjects(settings.rateDecks());
        rateDecks = new DynamoDbRateDecks(dynamoDb, Resources.RATE_DECKS.name());
        carrierIds = settings.carriers().stream().map(Provider::id).collect(java.util.stream.Collectors.toSet());
        carriers = new DynamoDbCarrierCatalogue(dynamoDb, Resources.CARRIER_HEALTH.name(), settings.carriers(),
                settings.breaker(), new ScheduledRateDecks(rateDecks, rateDeckObjects, settings.carriers(),
                        settings.rateDecks().refresh()));
        accounts = new DynamoDbAccounts(dynamoDb, Resources.ACCOUNTS.name());
        callDetailRecords = new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name());
        PricePlan plan = settings.pricePlan();
        devices = new DynamoDbDevices(dynamoDb, Resources.DEVICES.name());
        blocks = new DynamoDbBlockList(dynamoDb, Resources.BLOCKS.name());
        knownCallers = new DynamoDbKnownCallers(dynamoDb, Resources.KNOWN_CALLERS.name());
        sns = SnsStub.start().onDelivery(pushService);
        snsClient = SnsClients.create(EmbeddedAws.REGION, Optional.of(sns.endpoint()));
        var pushSender = new PushSenderHandler(new PushSender(devices,
                new PushMarkers(dynamoDb, Resources.PUSH_MARKERS.name()), new SnsPushGateway(snsClient, PUSH_APPLICATIONS),
                clock), new SqsDeadLetters(sqs).of(Resources.CALL_PUSHES, aws.queueUrl(Resources.CALL_PUSHES)));
        simulatedSwitch = new SimulatedSwitch(publisher, clock);
        callMedia = new DynamoDbCallMedia(dynamoDb, Resources.CALL_MEDIA.name());
        PartyNotifier parties = PartyNotifier.NONE;
        MediaJoinPush mediaPush = MediaJoinPush.NONE;
        if (settings.api() != null) {
            gateway = gateway(settings.api(), plan, settings.limits(), clock);
            var management = aws.clients().apiGatewayManagement(gateway.managementEndpoint(),
                    gateway.managementCredentials());
            parties = new RealtimePush(management, sessions, clock);
            mediaPush = MediaJoinPush.through(new ConnectionPush(management));
        } else {
            gateway = null;
        }
        if (instrumentation.mediaObserver() != MediaJoinPush.NONE) {
            MediaJoinPush apps = mediaPush;
            MediaJoinPush observer = instrumentation.mediaObserver();
            mediaPush = join -> {
                apps.deliver(join);
                observer.deliver(join);
            };
        }
        CarrierPort carrierPort = settings.twilio() == null ? switchCommands
                : twilioAmong(settings, switchCommands, mediaPush, clock);
        if (instrumentation.observer() != PartyNotifier.NONE) {
            PartyNotifier apps = parties;
            PartyNotifier observer = instrumentation.observer();
            parties = call -> {
                apps.callChanged(call);
                observer.callChanged(call);
            };
        }
        var callStateManager = new CallStateManagerHandler(new CallStateManager(calls, sessions,
                new CatalogueRouter(new ProviderRouting(settings.limits().highRisk()), subscribers, carriers, blocks,
                        knownCallers),
                carriers, new PrepaidAuthoriser(user -> plan, accounts, settings.longestCall(),
                        settings.limits().concurrentPstnCalls()),
                new CommandPorts(switchCommands, carrierPort, timers,
                        new PrepaidBilling(accounts, callDetailRecords),
                        new SqsCallPushes(sqs, aws.queueUrl(Resources.CALL_PUSHES)), parties, limitAlerts::add,
                        new EmfCallMetrics(metricLines::add)),
                new CallStateMachine(settings.callTiming()), clock, devices, knownCallers), timers,
                new SqsDeadLetters(sqs).of(Resources.CALL_STATE_CHANGES, aws.queueUrl(Resources.CALL_STATE_CHANGES))
                        .of(Resources.CALL_TIMERS, aws.queueUrl(Resources.CALL_TIMERS)));
        sweeper = new CallSweeper(dynamoDb, Resources.CALLS.name(),
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), Resources.CARRIER_HEALTH.name(),
                settings.carriers().stream().map(Provider::id).toList(), Resources.ACCOUNTS.name(), SWEEP_GRACE,
                settings.longestCall().plusHours(1), clock);
        sweeps.scheduleWithFixedDelay(this::sweepQuietly, SWEEP_EVERY.toSeconds(), SWEEP_EVERY.toSeconds(),
                TimeUnit.SECONDS);

        eventSources.add(mapping("SessionService", Resources.CONNECTION_EVENTS, sessionService, 2));
        eventSources.add(mapping("CallStateManager", Resources.CALL_STATE_CHANGES, callStateManager, 2));
        eventSources.add(mapping("CallStateManager-timers", Resources.CALL_TIMERS, callStateManager, 1));
        eventSources.add(mapping("PushSender", Resources.CALL_PUSHES, pushSender, 1));
        if (settings.chimeMeetings() == null) {
            eventSources.add(mapping("SimulatedSwitch", Resources.SWITCH_COMMANDS, simulatedSwitch, 1));
        } else {
            chimeClient = ChimeMeetingsClients.create(EmbeddedAws.REGION, Optional.of(settings.chimeMeetings()));
            var chimeSwitch = ChimeSwitchFunction.on(chimeClient, callMedia, mediaPush, sqs,
                    aws.queueUrl(Resources.CALL_STATE_CHANGES), aws.queueUrl(Resources.SWITCH_COMMANDS),
                    MeetingSettings.in(EmbeddedAws.REGION), clock);
            eventSources.add(mapping("Switch", Resources.SWITCH_COMMANDS, chimeSwitch, 1));
            eventSources.add(mapping("Switch-meeting-events", Resources.MEETING_EVENTS, chimeSwitch, 1));
        }
    }

    /**
     * The carrier port: the Twilio carrier through the real adapter, every other carrier simulated (its
     * commands on the switch-commands queue). The CarrierWebhook function takes Twilio's callbacks on
     * the local gateway, with the auth token from the Secrets Manager stub.
     */
    private CarrierPort twilioAmong(Settings settings, SqsSwitchCommands simulated, MediaJoinPush mediaPush, Clock clock) {
        Twilio account = settings.twilio();
        if (gateway == null) {
            throw new IllegalArgumentException("a Twilio carrier calls back through the local gateway: add withApi");
        }
        if (settings.carriers().stream().noneMatch(carrier -> carrier.id().equals(account.providerId()))) {
            throw new IllegalArgumentException("Twilio carrier " + account.providerId() + " is not one of the carriers");
        }
        String secretId = "arn:aws:secretsmanager:" + EmbeddedAws.REGION + ":000000000000:secret:local/"
                + account.providerId() + "-AbCdEf";
        secretsManagerStub = SecretsManagerStub.start().put(secretId, "{\"authToken\":\"" + account.authToken()
                + "\",\"apiKeySecret\":\"" + account.apiKeySecret() + "\"}");
        secretsManager = SecretsManagerClients.create(EmbeddedAws.REGION, Optional.of(secretsManagerStub.endpoint()));
        Map<String, String> twilioSettings = Map.of("adapter", "TWILIO", "account-sid", account.accountSid(),
                "api-key-sid", account.apiKeySid(), "from-number", account.fromNumber(),
                "status-callback-url", gateway.carrierWebhookUrl(account.providerId()).toString(),
                "secret-id", secretId, "base-url", account.apiBase().toString());
        BiFunction<String, String, Optional<String>> setting = (id, name) -> id.equals(account.providerId())
                ? Optional.ofNullable(twilioSettings.get(name)) : Optional.empty();
        DynamoDbCarrierLegs legs = new DynamoDbCarrierLegs(dynamoDb, Resources.CARRIER_LEGS.name(), clock);
        SqsCallStateChanges callStateChanges = new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES));
        TwilioConfig config = TwilioConfig.fromSettings(account.providerId(), name -> setting.apply(account.providerId(), name),
                TwilioSecretSource.fromSecretsManager(secretsManager, secretId, clock)).orElseThrow();
        TwilioCarrier twilio = new TwilioCarrier(new TwilioApi(config), new CallerClient(config, callMedia, mediaPush, clock),
                legs, callStateChanges, clock);
        gateway.routeCarrierWebhooks(new CarrierWebhookHandler(
                new CarrierWebhook(providerId -> Optional.empty(), legs, callStateChanges,
                        OrphanCalls.hangUpVia(providerId -> Optional.empty()), clock),
                new TwilioCallbacks(setting, () -> secretsManager, legs, callStateChanges, clock)));
        Map<String, CarrierPort> ports = new java.util.LinkedHashMap<>();
        settings.carriers().forEach(carrier -> ports.put(carrier.id(),
                carrier.id().equals(account.providerId()) ? twilio : simulated));
        return new CarriersById(ports);
    }

    /**
     * The CallApi, RealtimeAuthorizer and Realtime functions behind the local gateway. An app that
     * connects through the WebSocket API also gets a media leg on the simulated switch (the VoIP
     * switch's part), so its calls can be bridged.
     */
    private LocalGateway gateway(Api api, PricePlan plan, Limits limits, Clock clock) {
        var callApi = new CallApi(new CallControl(calls, new DynamoDbCallHistory(dynamoDb, Resources.CALLS.name()),
                new DynamoDbCallRequests(dynamoDb, Resources.CALL_REQUESTS.name()),
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), sessions, clock,
                new DynamoDbCallAttempts(dynamoDb, Resources.CALL_ATTEMPTS.name()), limits.callAttemptsPerMinute(),
                limitAlerts::add),
                new MyAccount(accounts, plan.currency()), new CallMedia(calls, callMedia),
                new MyDevices(devices, clock), new MyBlocks(blocks, clock), new MySettings(subscribers));
        var connectionEvents = new SqsConnectionEvents(sqs, aws.queueUrl(Resources.CONNECTION_EVENTS));
        var realtime = new Realtime(new RealtimeConnections(connectionEvents::publish, clock));
        RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> realtimeWithMedia = (event, context) -> {
            APIGatewayV2WebSocketResponse response = realtime.handleRequest(event, context);
            var request = event.getRequestContext();
            if (response.getStatusCode() / 100 == 2 && "CONNECT".equals(request.getEventType())) {
                simulatedSwitch.attach(String.valueOf(request.getAuthorizer().get("userId")), request.getConnectionId(),
                        request.getConnectionId());
            } else if ("DISCONNECT".equals(request.getEventType())) {
                simulatedSwitch.detach(request.getConnectionId());
            }
            return response;
        };
        LocalGateway localGateway = new LocalGateway(api.httpPort(), api.webSocketPort(), api.tokens().verifier(clock),
                (event, context) -> callApi.handle(event), new RealtimeAuthorizer(api.tokens().verifier(clock)),
                realtimeWithMedia);
        var operatorApi = new OperatorApi(new AccountAdjustments(accounts, plan.currency(), clock),
                new PstnBlocking(subscribers, clock),
                new RateDeckScheduling(carrierIds, rateDeckObjects, rateDecks, clock));
        localGateway.routeOperatorApi((event, context) -> operatorApi.handle(event));
        return localGateway;
    }

    /**
     * The rate-decks bucket of the S3 server in {@code decks}, versioned as the CDK app's bucket is; its client is
     * built on first use (so a caller may start s3mock alongside this system). Without a server, a deck cannot be
     * read: scheduling one fails, and routing keeps the packaged decks.
     */
    private static S3RateDeckObjects rateDeckObjects(RateDecks decks) {
        return new S3RateDeckObjects(() -> {
            if (decks.s3() == null) {
                throw new IllegalStateException("no local S3 for rate decks: start with Settings.withRateDecks");
            }
            S3Client s3 = new AwsClients(EmbeddedAws.REGION, Optional.empty(), Optional.empty(),
                    Optional.of(decks.s3().get())).s3();
            s3.putBucketVersioning(r -> r.bucket(Resources.RATE_DECK_OBJECTS.name())
                    .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
            return s3;
        }, Resources.RATE_DECK_OBJECTS.name());
    }

    /** The apps' APIs on localhost, if started with {@link Settings#withApi}. */
    public Optional<LocalGateway> gateway() {
        return Optional.ofNullable(gateway);
    }

    public static LocalSystem start(Settings settings) {
        return new LocalSystem(settings, Instrumentation.none());
    }

    /** Starts with extra wiring for fault injection and measurement. */
    public static LocalSystem start(Settings settings, Instrumentation instrumentation) {
        return new LocalSystem(settings, instrumentation);
    }

    private QueueEventSource mapping(String name, QueueDefinition queue,
            com.amazonaws.services.lambda.runtime.RequestHandler<
                    com.amazonaws.services.lambda.runtime.events.SQSEvent,
                    com.amazonaws.services.lambda.runtime.events.SQSBatchResponse> function,
            int concurrency) {
        return new QueueEventSource(name, sqs, aws.queueUrl(queue), aws.queueArn(sqs, queue),
                instrumentation.functions().apply(name, function), 10,
                instrumentation.concurrency().getOrDefault(name, concurrency));
    }

    /** The devices users registered for push ({@code devices}). */
    public DynamoDbDevices devices() {
        return devices;
    }

    /** Whom each user blocked. */
    public DynamoDbBlockList blocks() {
        return blocks;
    }

    /** The abuse-limit alerts raised so far, oldest first (in AWS, EventBridge events and a metric). */
    /**
     * The call state manager's Embedded Metric Format lines so far (deployed, they go to standard output and
     * CloudWatch; here they are kept, to keep the run's output readable).
     */
    public List<String> metricLines() {
        return List.copyOf(metricLines);
    }

    public List<LimitAlerts.Alert> limitAlerts() {
        return List.copyOf(limitAlerts);
    }

    /**
     * The local SNS (a stub of its mobile push API, behind the real SDK client of the PushSender function): what
     * was published, and scripted faults.
     */
    public SnsStub sns() {
        return sns;
    }

    /** APNs and FCM: the pushes that reached (or would have reached) each phone. */
    public PushService pushService() {
        return pushService;
    }

    /** The media the switch set up for each call ({@code call-media}). */
    public DynamoDbCallMedia callMedia() {
        return callMedia;
    }

    /** The users' prepaid accounts. */
    public DynamoDbAccounts accounts() {
        return accounts;
    }

    /** The call detail records of ended calls. */
    public DynamoDbCallDetailRecords callDetailRecords() {
        return callDetailRecords;
    }

    /** The carriers with their shared health. */
    public DynamoDbCarrierCatalogue carriers() {
        return carriers;
    }

    public SimulatedSwitch simulatedSwitch() {
        return simulatedSwitch;
    }

    /** Sends events as the switch or an app would (for tests that play a misbehaving carrier). */
    public SqsEventPublisher publisher() {
        return publisher;
    }

    public SqsClient sqs() {
        return sqs;
    }

    public EmbeddedAws aws() {
        return aws;
    }

    public DynamoDbSessionStore sessions() {
        return sessions;
    }

    public Optional<Call> call(String callId) {
        return calls.find(callId);
    }

    /** Waits until the session service lists the connection as live. */
    public void awaitLive(Device device, Duration timeout) {
        awaitLive(device.userId(), device.connectionId(), timeout);
    }

    /** Waits until the session service lists the user's connection as live. */
    public void awaitLive(String userId, String connectionId, Duration timeout) {
        awaitCondition(timeout, () -> sessions.sessionsOf(userId).liveConnectionIds(Instant.now()).contains(connectionId),
                "connection " + userId + "/" + connectionId + " to be live");
    }

    /** Waits until the session service no longer lists the device's connection as live (it disconnected). */
    public void awaitOffline(Device device, Duration timeout) {
        awaitCondition(timeout, () -> !sessions.sessionsOf(device.userId()).liveConnectionIds(Instant.now())
                .contains(device.connectionId()), "connection " + device.userId() + "/" + device.connectionId() + " to close");
    }

    /** Waits until the call has ENDED and returns it. */
    public Call awaitEnded(String callId, Duration timeout) {
        awaitCondition(timeout, () -> call(callId).map(Call::isTerminal).orElse(false), "call " + callId + " to end");
        return call(callId).orElseThrow();
    }

    /** Waits until the call is in {@code state} (or has ended, which fails). */
    public Call awaitState(String callId, dev.calling.core.call.CallState state, Duration timeout) {
        awaitCondition(timeout, () -> call(callId).map(c -> c.state() == state || c.isTerminal()).orElse(false),
                "call " + callId + " to be " + state);
        Call call = call(callId).orElseThrow();
        if (call.state() != state) {
            throw new IllegalStateException("call " + callId + " ended " + call.endReason() + " instead of being " + state);
        }
        return call;
    }

    /** Waits until {@code condition} holds. */
    public static void awaitCondition(Duration timeout, java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Sweeps once now (as the scheduled CallSweeper does in AWS): overdue calls checked, carrier counts recounted. */
    public CallSweeper.Findings sweep() {
        return sweeper.sweep();
    }

    private void sweepQuietly() {
        try {
            sweeper.sweep();
        } catch (RuntimeException e) {
            System.getLogger(LocalSystem.class.getName()).log(System.Logger.Level.WARNING, "sweep failed: " + e);
        }
    }

    @Override
    public void close() {
        sweeps.shutdownNow();
        if (gateway != null) {
            gateway.close();
        }
        eventSources.forEach(QueueEventSource::close);
        simulatedSwitch.close();
        if (chimeClient != null) {
            chimeClient.close();
        }
        if (secretsManager != null) {
            secretsManager.close();
            secretsManagerStub.close();
        }
        snsClient.close();
        sns.close();
        sqs.close();
        dynamoDb.close();
        aws.close();
    }
}
