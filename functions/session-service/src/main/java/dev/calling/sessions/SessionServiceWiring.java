package dev.calling.sessions;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.dynamodb.DynamoDbSessionStore;
import dev.calling.core.session.SessionService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Builds the session service from configuration; created once per Lambda container. */
@ApplicationScoped
public class SessionServiceWiring {

    @Produces
    @ApplicationScoped
    DynamoDbClient dynamoDb(@ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.dynamodb-endpoint") Optional<URI> endpoint) {
        return new AwsClients(region, endpoint, Optional.empty()).dynamoDb();
    }

    @Produces
    @ApplicationScoped
    SessionService sessionService(DynamoDbClient dynamoDb,
            @ConfigProperty(name = "calling.tables.sessions") String table,
            @ConfigProperty(name = "calling.sessions.connection-ttl") Duration connectionTtl,
            @ConfigProperty(name = "calling.sessions.tombstone-retention") Duration tombstoneRetention) {
        return new SessionService(new DynamoDbSessionStore(dynamoDb, table), connectionTtl, tombstoneRetention);
    }
}
