package dev.calling.operator;

import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.routing.DynamoDbRateDecks;
import dev.calling.adapters.routing.S3RateDeckObjects;
import dev.calling.core.operator.AccountAdjustments;
import dev.calling.core.operator.PstnBlocking;
import dev.calling.core.operator.RateDeckScheduling;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds the operator API from configuration. It writes the {@code accounts} table (ledger lines, through the same
 * adapter as the CallStateManager), one attribute of the {@code subscribers} table ({@code pstnBlock}) and the
 * {@code rate-decks} table, and reads the {@code rate-decks} bucket. The carriers are the CallStateManager's
 * ({@code calling.carrier-ids}).
 */
@ApplicationScoped
public class OperatorApiWiring {

    @Produces
    @ApplicationScoped
    OperatorApi operatorApi(DynamoDbClient dynamoDb, S3Client s3, Clock clock,
            @ConfigProperty(name = "calling.tables.accounts") String accountsTable,
            @ConfigProperty(name = "calling.tables.subscribers") String subscribersTable,
            @ConfigProperty(name = "calling.tables.rate-decks") String rateDecksTable,
            @ConfigProperty(name = "calling.buckets.rate-decks") String rateDecksBucket,
            @ConfigProperty(name = "calling.carrier-ids") Optional<List<String>> carrierIds,
            @ConfigProperty(name = "calling.charging.currency") String currency) {
        return new OperatorApi(
                new AccountAdjustments(new DynamoDbAccounts(dynamoDb, accountsTable), Currency.getInstance(currency), clock),
                new PstnBlocking(new DynamoDbSubscriberDirectory(dynamoDb, subscribersTable), clock),
                new RateDeckScheduling(Set.copyOf(carrierIds.orElse(List.of())),
                        new S3RateDeckObjects(() -> s3, rateDecksBucket), new DynamoDbRateDecks(dynamoDb, rateDecksTable),
                        clock));
    }
}
