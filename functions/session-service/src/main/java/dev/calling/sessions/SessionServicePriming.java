package dev.calling.sessions;

import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.adapters.json.Json;
import dev.calling.core.session.SessionService;
import dev.calling.lambda.SnapStartPriming;
import io.quarkus.arc.ClientProxy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * SnapStart priming. Quarkus starts the application during init (its SnapStart full warm-up), but
 * the beans are built on first use and the first AWS request loads most of the SDK, so the first
 * event after a restore took about ten times a warm one (docs/benchmarks.md, "Cold start"). Just
 * before Lambda takes the snapshot this builds the service with its DynamoDB client, parses a
 * connection event and queries the sessions of a user that never exists: reads only, nothing is
 * written. A failure is logged and does not stop the snapshot.
 */
@ApplicationScoped
class SessionServicePriming extends SnapStartPriming {

    @Inject
    SessionService sessions;

    @Inject
    DynamoDbClient dynamoDb;

    @ConfigProperty(name = "calling.tables.sessions")
    String table;

    @Override
    protected String prime() {
        ClientProxy.unwrap(sessions);
        Json.readConnectionEvent("{\"type\":\"ConnectionHeartbeat\",\"eventId\":\"" + NOBODY + "\",\"userId\":\""
                + NOBODY + "\",\"connectionId\":\"" + NOBODY + "\",\"at\":\"2026-01-01T00:00:00Z\"}");
        new DynamoDbSessionStore(dynamoDb, table).sessionsOf(NOBODY);
        return "beans, event JSON, sessions query";
    }
}
