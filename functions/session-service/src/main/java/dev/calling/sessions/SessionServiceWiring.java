package dev.calling.sessions;

import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.core.session.SessionService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Builds the session service from configuration; created once per Lambda container. */
@ApplicationScoped
public class SessionServiceWiring {

    @Produces
    @ApplicationScoped
    SessionService sessionService(DynamoDbClient dynamoDb,
            @ConfigProperty(name = "calling.tables.sessions") String table,
            @ConfigProperty(name = "calling.sessions.connection-ttl") Duration connectionTtl,
            @ConfigProperty(name = "calling.sessions.tombstone-retention") Duration tombstoneRetention) {
        return new SessionService(new DynamoDbSessionStore(dynamoDb, table), connectionTtl, tombstoneRetention);
    }
}
