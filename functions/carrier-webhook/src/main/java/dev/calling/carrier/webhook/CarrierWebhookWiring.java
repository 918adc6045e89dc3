package dev.calling.carrier.webhook;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.rest.CarrierSecret;
import dev.calling.carrier.rest.CarrierWebhook;
import dev.calling.carrier.rest.OrphanCalls;
import dev.calling.carrier.rest.RestCarrierApi;
import dev.calling.carrier.rest.RestCarrierConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import dev.calling.secrets.SecretsManagerClients;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the webhooks from configuration; created once per Lambda container. Carriers are not
 * listed up front: a carrier's settings ({@code calling.carriers.<id>.*}) are looked up when its
 * callbacks arrive, so adding a carrier is adding its environment variables. A carrier whose
 * {@code adapter} is {@code TWILIO} is a Twilio account; any other with a {@code webhook-secret-id}
 * (the Secrets Manager secret holding {@code {"webhookSecrets": [...]}}) speaks the REST carrier
 * protocol; its {@code api-key-secret-id} and dial settings, when given, let it hang up orphan calls.
 */
@ApplicationScoped
public class CarrierWebhookWiring {

    private static final String CARRIERS = "calling.carriers.";

    private final Map<String, Optional<RestCarrierApi>> apis = new ConcurrentHashMap<>();
    private final Map<String, Optional<CarrierSecret<List<String>>>> webhookSecrets = new ConcurrentHashMap<>();

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

    /**
     * A REST carrier's credential given as a plain value in the environment fails the start, naming the
     * {@code ...-secret-id} setting to use instead (carriers are otherwise only looked at on their first callback).
     */
    void refusePlainCarrierSecrets(@Observes StartupEvent start, Config config) {
        CarrierSecret.refusePlainSecrets(config.getPropertyNames());
    }

    @Produces
    @ApplicationScoped
    CarrierWebhook carrierWebhook(DynamoDbClient dynamoDb, SqsClient sqs, Clock clock, Config config,
            @ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.secretsmanager-endpoint") Optional<URI> secretsManagerEndpoint,
            @ConfigProperty(name = "calling.tables.carrier-legs") String legsTable,
            @ConfigProperty(name = "calling.queues.call-state-changes") String callStateChangesUrl) {
        // One client, built when a REST carrier's secret is first read; nothing is read at start.
        Supplier<SecretsManagerClient> secretsManager = new Supplier<>() {
            private SecretsManagerClient client;

            @Override
            public synchronized SecretsManagerClient get() {
                if (client == null) {
                    client = SecretsManagerClients.create(region, secretsManagerEndpoint);
                }
                return client;
            }
        };
        Function<String, Optional<String>> setting = name -> config.getOptionalValue(CARRIERS + name, String.class);
        return new CarrierWebhook(
                providerId -> webhookSecrets.computeIfAbsent(providerId, id -> {
                    if (setting.apply(id + ".webhook-secret").isPresent()) {
                        throw new IllegalStateException(CarrierSecret.plainSecretIn(
                                List.of(CARRIERS + id + ".webhook-secret")).orElseThrow());
                    }
                    return setting.apply(id + ".webhook-secret-id")
                            .map(secretId -> CarrierSecret.webhookSecrets(secretsManager.get(), secretId, clock));
                }),
                new DynamoDbCarrierLegs(dynamoDb, legsTable, clock),
                new SqsCallStateChanges(sqs, callStateChangesUrl),
                OrphanCalls.hangUpVia(providerId -> apis.computeIfAbsent(providerId, id -> RestCarrierConfig
                        .fromSettings(id, name -> setting.apply(id + "." + name),
                                secretId -> CarrierSecret.apiKey(secretsManager.get(), secretId, clock))
                        .map(RestCarrierApi::new))),
                clock);
    }
}
