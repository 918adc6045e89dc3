package dev.calling.realtime;

import dev.calling.adapters.auth.TokenVerifier;
import dev.calling.adapters.sqs.SqsConnectionEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.time.Clock;
import org.eclipse.microprofile.config.Config;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds both handlers' collaborators from configuration; created once per Lambda container.
 * Settings are read when a bean is first built, not injected, because the two functions share
 * this zip but not their environment: the authorizer has no queue URL, Realtime no issuer.
 */
@ApplicationScoped
public class RealtimeWiring {

    @Produces
    @ApplicationScoped
    RealtimeConnections realtimeConnections(SqsClient sqs, Clock clock, Config config) {
        String connectionEvents = config.getValue("calling.queues.connection-events", String.class);
        return new RealtimeConnections(new SqsConnectionEvents(sqs, connectionEvents)::publish, clock);
    }

    @Produces
    @ApplicationScoped
    TokenVerifier tokenVerifier(Clock clock, Config config) {
        String issuer = config.getValue("calling.auth.issuer", String.class);
        String audience = config.getValue("calling.auth.audience", String.class);
        URI jwksUrl = config.getOptionalValue("calling.auth.jwks-url", URI.class)
                .orElse(TokenVerifier.defaultJwksUrl(issuer));
        return TokenVerifier.forJwksUrl(issuer, audience, jwksUrl, clock);
    }
}
