package dev.calling.resilience;

import dev.calling.adapters.AwsClients;
import dev.calling.core.call.CallEvent;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.charging.PricePlan;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.local.LocalSystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The local system as the suites run it: the real emulators, every function fed from its queue,
 * the simulated switch; the functions' SDK clients carry the {@link RequestCounter} and the
 * {@link DynamoDbFaults}, each function sits behind the {@link FunctionTap}, the {@link CallTracker}
 * is told of every change and keeps the simulated switch's own record of each call (its reports
 * and the commands it is handed), and optionally SQS is reached through a {@link TcpProxy} and DynamoDB
 * Local keeps its data in a directory (so that it can be restarted). The suites read their
 * verdicts through separate clients without interceptors ({@link #dynamoDb()}, {@link #sqs()}).
 */
public final class Stack implements AutoCloseable {

    /** The simulated switch's event source (the switch-commands queue). */
    static final String SWITCH = "SimulatedSwitch";

    /** Sources whose batches the tap may misdeliver. */
    static final Set<String> ALL_SOURCES = Set.of("SessionService", "CallStateManager", "CallStateManager-timers",
            SWITCH, "PushSender");

    /**
     * @param sqsThroughProxy put a TCP proxy in front of ElasticMQ for the functions and the switch
     * @param dynamoDbOnDisk keep the embedded DynamoDB's tables in a temporary directory (on /dev/shm when
     *     there is one, which is as fast as memory) so that it can be restarted with its data
     * @param concurrency pollers per event source, by name
     */
    public record Options(long seed, boolean sqsThroughProxy, boolean dynamoDbOnDisk, Map<String, Integer> concurrency,
            Set<String> faultySources) {}

    final RequestCounter counter = new RequestCounter();
    final FaultCounts faults = new FaultCounts();
    final DynamoDbFaults dynamoDbFaults;
    final FunctionTap tap;
    final CallTracker tracker = new CallTracker();
    final LocalSystem system;
    private final Path dynamoDbDirectory;
    private volatile TcpProxy sqsProxy;
    private final DynamoDbClient cleanDynamoDb;
    private final SqsClient cleanSqs;

    Stack(LocalSystem.Settings settings, Options options) {
        dynamoDbFaults = new DynamoDbFaults(options.seed() * 31 + 1, faults);
        tap = new FunctionTap(options.seed() * 31 + 2, faults, options.faultySources());
        dynamoDbDirectory = options.dynamoDbOnDisk() ? temporaryDirectory() : null;
        // The tracker sits right in front of the switch (inside the tap), so it notes what the switch is handed.
        system = LocalSystem.start(settings, new LocalSystem.Instrumentation(aws -> clients(aws, options),
                options.concurrency(),
                (name, function) -> tap.apply(name, SWITCH.equals(name) ? tracker.switchCommands(function) : function),
                tracker, dynamoDbDirectory));
        routeSwitchReports(UnaryOperator.identity());
        cleanDynamoDb = system.aws().clients().dynamoDb();
        cleanSqs = system.aws().clients().sqs();
    }

    private AwsClients clients(EmbeddedAws aws, Options options) {
        AwsClients clients = aws.clients();
        if (options.sqsThroughProxy()) {
            sqsProxy = new TcpProxy(aws.sqsEndpoint().getPort());
            clients = clients.withEndpoints(aws.dynamoDbEndpoint(), sqsProxy.endpoint());
        }
        return clients.withInterceptors(List.of(counter, dynamoDbFaults), List.of(counter));
    }

    private static Path temporaryDirectory() {
        try {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "calling-dynamodb-")
                    : Files.createTempDirectory("calling-dynamodb-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends the simulated switch's reports through {@code route} (a misbehaving carrier, see
     * {@link ReportChaos}); the {@link CallTracker} notes each report as the switch made it, before
     * the route. Use this instead of {@code SimulatedSwitch.routeReports}, which would take the
     * tracker off the route and leave the verdict without the switch's record.
     */
    void routeSwitchReports(UnaryOperator<Consumer<CallEvent>> route) {
        system.simulatedSwitch().routeReports(publish -> tracker.switchReports(route.apply(publish)));
    }

    /** Takes ElasticMQ off the network for {@code down} (only with {@code sqsThroughProxy}). */
    void sqsOutage(java.time.Duration down) {
        if (sqsProxy == null) {
            throw new IllegalStateException("SQS is not behind the proxy");
        }
        sqsProxy.outage(down);
    }

    /** A DynamoDB client without interceptors, for set-up and verdicts. */
    DynamoDbClient dynamoDb() {
        return cleanDynamoDb;
    }

    /** An SQS client without interceptors, straight to ElasticMQ, for poison and verdicts. */
    SqsClient sqs() {
        return cleanSqs;
    }

    /** A carrier for UK numbers ({@code 44}) at {@code perMinute}, billed per second. */
    static Provider ukCarrier(String id, String perMinute, int quality) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(new Rate("44", Money.of(perMinute, "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_SECOND, LocalDate.of(2020, 1, 1)))), 10_000, true, quality);
    }

    /** Retail: 0.60 USD a minute to UK numbers, billed per second, so a second costs exactly 0.01. */
    static PricePlan perSecondPlan() {
        return PricePlan.flat("per-second", Currency.getInstance("USD"), RateDeck.of(List.of(new Rate("44",
                Money.of("0.60", "USD"), Money.of("0", "USD"), BillingIncrement.PER_SECOND, LocalDate.of(2020, 1, 1)))));
    }

    @Override
    public void close() {
        try {
            system.close();
        } finally {
            cleanDynamoDb.close();
            cleanSqs.close();
            if (sqsProxy != null) {
                sqsProxy.close();
            }
            if (dynamoDbDirectory != null) {
                try (Stream<Path> files = Files.walk(dynamoDbDirectory)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory
                }
            }
        }
    }
}
