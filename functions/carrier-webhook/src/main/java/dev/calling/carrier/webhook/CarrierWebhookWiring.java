package dev.calling.carrier.webhook;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.rest.CarrierWebhook;
import dev.calling.carrier.rest.OrphanCalls;
import dev.calling.carrier.rest.RestCarrierApi;
import dev.calling.carrier.rest.RestCarrierConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import dev.calling.secrets.SecretsManagerClients;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the webhooks from configuration; created once per Lambda container. Carriers are not
 * listed up front: a carrier's settings ({@code calling.carriers.<id>.*}) are looked up when its
 * callbacks arrive, so adding a carrier is adding its environment variables. A carrier whose
 * {@code adapter} is {@code TWILIO} is a Twilio account; any other with a {@code webhook-secret}
 * speaks the REST carrier protocol.
 */
@ApplicationScoped
public class CarrierWebhookWiring {

    private static final String CARRIERS = "calling.carriers.";

    private final Map<String, Optional<RestCarrierApi>> apis = new ConcurrentHashMap<>();

    @Produces
    @ApplicationScoped
    TwilioCallbacks twilioCallbacks(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock, Config config,
            @ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.secretsmanager-endpoint") Optional<URI> secretsManagerEndpoint,
            @ConfigProperty(name = "calling.tables.carrier-legs") String legsTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl) {
        return new TwilioCallbacks((id, name) -> config.getOptionalValue(CARRIERS + id + "." + name, String.class),
                () -> SecretsManagerClients.create(region, secretsManagerEndpoint), new DynamoDbCarrierLegs(dynamoDb, legsTable, clock),
                new SqsCallStateChanges(sqs, callStateChangesUrl), clock);
    }

    @Produces
    @ApplicationScoped
    CarrierWebhook carrierWebhook(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock, Config config,
            @ConfigProperty(name = "calling.tables.carrier-legs") String legsTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl) {
        return new CarrierWebhook(
                providerId -> config.getOptionalValue(CARRIERS + providerId + ".webhook-secret", String.class),
                new DynamoDbCarrierLegs(dynamoDb, legsTable, clock),
                new SqsCallStateChanges(sqs, callStateChangesUrl),
                OrphanCalls.hangUpVia(providerId -> apis.computeIfAbsent(providerId, id -> RestCarrierConfig
                        .fromSettings(id, name -> config.getOptionalValue(CARRIERS + id + "." + name, String.class))
                        .map(RestCarrierApi::new))),
                clock);
    }
}
