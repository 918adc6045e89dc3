package dev.calling.operator;

import dev.calling.adapters.accounts.DynamoDbAccounts;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.core.operator.AccountAdjustments;
import dev.calling.core.operator.PstnBlocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.util.Currency;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Builds the operator API from configuration. It writes the {@code accounts} table (ledger lines, through the same
 * adapter as the CallStateManager) and one attribute of the {@code subscribers} table ({@code pstnBlock}).
 */
@ApplicationScoped
public class OperatorApiWiring {

    @Produces
    @ApplicationScoped
    OperatorApi operatorApi(DynamoDbClient dynamoDb, Clock clock,
            @ConfigProperty(name = "calling.tables.accounts") String accountsTable,
            @ConfigProperty(name = "calling.tables.subscribers") String subscribersTable,
            @ConfigProperty(name = "calling.charging.currency") String currency) {
        return new OperatorApi(
                new AccountAdjustments(new DynamoDbAccounts(dynamoDb, accountsTable), Currency.getInstance(currency), clock),
                new PstnBlocking(new DynamoDbSubscriberDirectory(dynamoDb, subscribersTable), clock));
    }
}
