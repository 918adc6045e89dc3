package dev.calling.api;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.abuse.EventBridgeLimitAlerts;
import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.adapters.dynamodb.DynamoDbCallAttempts;
import dev.calling.adapters.dynamodb.DynamoDbCallHistory;
import dev.calling.adapters.dynamodb.DynamoDbCallRequests;
import dev.calling.adapters.dynamodb.DynamoDbCallStore;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.media.DynamoDbCallMedia;
import dev.calling.adapters.privacy.DynamoDbBlockList;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.core.app.CallControl;
import dev.calling.core.app.CallMedia;
import dev.calling.core.app.MyAccount;
import dev.calling.core.app.MyBlocks;
import dev.calling.core.app.MySettings;
import dev.calling.core.app.MyDevices;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.time.Clock;
import java.util.Currency;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the call API from configuration; created once per Lambda container. It reads the call
 * state manager's and the session service's tables and the switch's {@code call-media} table (never
 * writes them) and sends the apps' actions to the call-state-changes queue; the only table it writes
 * is {@code call-requests}.
 */
@ApplicationScoped
public class CallApiWiring {

    @Produces
    @ApplicationScoped
    CallApi callApi(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock,
            @ConfigProperty(name = "calling.tables.calls") String callsTable,
            @ConfigProperty(name = "calling.tables.call-requests") String callRequestsTable,
            @ConfigProperty(name = "calling.tables.call-attempts") String callAttemptsTable,
            @ConfigProperty(name = "calling.limits.call-attempts-per-minute") int attemptsPerMinute,
            @ConfigProperty(name = "calling.tables.sessions") String sessionsTable,
            @ConfigProperty(name = "calling.tables.accounts") String accountsTable,
            @ConfigProperty(name = "calling.tables.call-media") String callMediaTable,
            @ConfigProperty(name = "calling.tables.devices") String devicesTable,
            @ConfigProperty(name = "calling.tables.blocks") String blocksTable,
            @ConfigProperty(name = "calling.tables.subscribers") String subscribersTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl,
            @ConfigProperty(name = "calling.charging.currency") String currency,
            @ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.eventbridge-endpoint") Optional<URI> eventBridgeEndpoint) {
        return new CallApi(
                new CallControl(new DynamoDbCallStore(dynamoDb, callsTable), new DynamoDbCallHistory(dynamoDb, callsTable),
                        new DynamoDbCallRequests(dynamoDb, callRequestsTable), new SqsCallStateChanges(sqs, callStateChangesUrl),
                        new DynamoDbSessionStore(dynamoDb, sessionsTable), clock,
                        new DynamoDbCallAttempts(dynamoDb, callAttemptsTable), attemptsPerMinute,
                        new EventBridgeLimitAlerts(() -> new AwsClients(region, Optional.empty(), Optional.empty())
                                .eventBridge(eventBridgeEndpoint))),
                new MyAccount(new DynamoDbAccounts(dynamoDb, accountsTable), Currency.getInstance(currency)),
                new CallMedia(new DynamoDbCallStore(dynamoDb, callsTable), new DynamoDbCallMedia(dynamoDb, callMediaTable)),
                new MyDevices(new DynamoDbDevices(dynamoDb, devicesTable), clock),
                new MyBlocks(new DynamoDbBlockList(dynamoDb, blocksTable), clock),
                new MySettings(new DynamoDbSubscriberDirectory(dynamoDb, subscribersTable)));
    }
}
