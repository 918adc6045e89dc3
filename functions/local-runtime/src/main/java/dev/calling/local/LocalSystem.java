package dev.calling.local;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.adapters.sqs.SqsEventPublisher;
import dev.calling.adapters.sqs.SqsSwitchCommands;
import dev.calling.adapters.sqs.SqsTimers;
import dev.calling.calls.CallStateManagerHandler;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallStateMachine;
import dev.calling.core.call.CallStateManager;
import dev.calling.core.call.CatalogueRouter;
import dev.calling.core.call.CommandPorts;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.session.SessionService;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.sessions.SessionServiceHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The whole system in one JVM on the embedded default: DynamoDB Local and ElasticMQ, the
 * SessionService and CallStateManager functions each fed from its queue(s) the way a Lambda
 * event source mapping would, and the simulated switch on the switch-commands queue.
 */
public final class LocalSystem implements AutoCloseable {

    /**
     * @param ringTimeout how long callees ring
     * @param retryAfter the queues' visibility timeout
     * @param subscribers users' phone numbers and plans, stored in the {@code subscribers} table at start
     * @param carriers the PSTN carriers, whose health is kept in the {@code carrier-health} table
     * @param breaker the carriers' circuit breaker settings
     */
    public record Settings(Duration ringTimeout, Duration retryAfter, Duration connectionTtl,
            List<Subscriber> subscribers, List<Provider> carriers, ProviderHealth.Policy breaker) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(45), EmbeddedAws.DEFAULT_RETRY_AFTER, Duration.ofSeconds(90),
                    List.of(), List.of(), ProviderHealth.Policy.defaults());
        }

        public Settings withRingTimeout(Duration timeout) {
            return new Settings(timeout, retryAfter, connectionTtl, subscribers, carriers, breaker);
        }

        public Settings withRetryAfter(Duration retry) {
            return new Settings(ringTimeout, retry, connectionTtl, subscribers, carriers, breaker);
        }

        public Settings withPstn(List<Subscriber> directory, List<Provider> pstnCarriers, ProviderHealth.Policy policy) {
            return new Settings(ringTimeout, retryAfter, connectionTtl, directory, pstnCarriers, policy);
        }
    }

    private final EmbeddedAws aws;
    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final SqsEventPublisher publisher;
    private final SimulatedSwitch simulatedSwitch;
    private final DynamoDbCallStore calls;
    private final DynamoDbSessionStore sessions;
    private final DynamoDbCarrierCatalogue carriers;
    private final List<QueueEventSource> eventSources = new ArrayList<>();

    private LocalSystem(Settings settings) {
        Clock clock = Clock.systemUTC();
        aws = EmbeddedAws.start(settings.retryAfter());
        dynamoDb = aws.clients().dynamoDb();
        sqs = aws.clients().sqs();
        calls = new DynamoDbCallStore(dynamoDb, Resources.CALLS.name());
        sessions = new DynamoDbSessionStore(dynamoDb, Resources.SESSIONS.name());
        publisher = new SqsEventPublisher(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES),
                aws.queueUrl(Resources.CONNECTION_EVENTS));

        var sessionService = new SessionServiceHandler(
                new SessionService(sessions, settings.connectionTtl(), Duration.ofDays(1)));
        SqsTimers timers = new SqsTimers(sqs, aws.queueUrl(Resources.CALL_TIMERS),
                new SqsCallStateChanges(sqs, aws.queueUrl(Resources.CALL_STATE_CHANGES)), clock);
        SqsSwitchCommands switchCommands = new SqsSwitchCommands(sqs, aws.queueUrl(Resources.SWITCH_COMMANDS));
        DynamoDbSubscriberDirectory subscribers = new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name());
        settings.subscribers().forEach(subscribers::put);
        carriers = new DynamoDbCarrierCatalogue(dynamoDb, Resources.CARRIER_HEALTH.name(), settings.carriers(),
                settings.breaker());
        var callStateManager = new CallStateManagerHandler(new CallStateManager(calls, sessions,
                new CatalogueRouter(new ProviderRouting(), subscribers, carriers),
                carriers, new CommandPorts(switchCommands, switchCommands, timers),
                new CallStateMachine(settings.ringTimeout()), clock), timers);
        simulatedSwitch = new SimulatedSwitch(publisher, clock);

        eventSources.add(mapping("SessionService", Resources.CONNECTION_EVENTS, sessionService, 2));
        eventSources.add(mapping("CallStateManager", Resources.CALL_STATE_CHANGES, callStateManager, 2));
        eventSources.add(mapping("CallStateManager-timers", Resources.CALL_TIMERS, callStateManager, 1));
        eventSources.add(mapping("SimulatedSwitch", Resources.SWITCH_COMMANDS, simulatedSwitch, 1));
    }

    public static LocalSystem start(Settings settings) {
        return new LocalSystem(settings);
    }

    private QueueEventSource mapping(String name, QueueDefinition queue,
            com.amazonaws.services.lambda.runtime.RequestHandler<
                    com.amazonaws.services.lambda.runtime.events.SQSEvent,
                    com.amazonaws.services.lambda.runtime.events.SQSBatchResponse> function,
            int concurrency) {
        return new QueueEventSource(name, sqs, aws.queueUrl(queue), aws.queueArn(sqs, queue), function, 10,
                concurrency);
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
        awaitCondition(timeout, () -> sessions.sessionsOf(device.userId()).liveConnectionIds(Instant.now())
                .contains(device.connectionId()), "connection " + device + " to be live");
    }

    /** Waits until the call has ENDED and returns it. */
    public Call awaitEnded(String callId, Duration timeout) {
        awaitCondition(timeout, () -> call(callId).map(Call::isTerminal).orElse(false), "call " + callId + " to end");
        return call(callId).orElseThrow();
    }

    private static void awaitCondition(Duration timeout, java.util.function.BooleanSupplier condition, String what) {
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

    @Override
    public void close() {
        eventSources.forEach(QueueEventSource::close);
        simulatedSwitch.close();
        sqs.close();
        dynamoDb.close();
        aws.close();
    }
}
