package dev.calling.carrier.webhook;

import dev.calling.adapters.carrier.DynamoDbCarrierLegs;
import dev.calling.adapters.sqs.SqsCallStateChanges;
import dev.calling.carrier.twilio.TwilioApi;
import dev.calling.carrier.twilio.TwilioConfig;
import dev.calling.carrier.twilio.TwilioSecretSource;
import dev.calling.carrier.twilio.TwilioStatusCallback;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The Twilio carriers' status callbacks, by provider id: a carrier whose {@code adapter} setting is
 * {@code TWILIO} gets a {@link TwilioStatusCallback} built from its settings on its first callback
 * (the same settings the CallStateManager dials with, {@link TwilioConfig#fromSettings}), its auth
 * token read from Secrets Manager ({@code secret-id}) when a signature is first checked, through a
 * client of its own ({@code secretsManager} is asked once per Twilio carrier).
 */
public final class TwilioCallbacks {

    private static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    private final BiFunction<String, String, Optional<String>> setting;
    private final Supplier<SecretsManagerClient> secretsManager;
    private final DynamoDbCarrierLegs legs;
    private final SqsCallStateChanges callStateChanges;
    private final Clock clock;
    private final Map<String, Optional<TwilioStatusCallback>> byProvider = new ConcurrentHashMap<>();

    public TwilioCallbacks(BiFunction<String, String, Optional<String>> setting, Supplier<SecretsManagerClient> secretsManager,
            DynamoDbCarrierLegs legs, SqsCallStateChanges callStateChanges, Clock clock) {
        this.setting = setting;
        this.secretsManager = secretsManager;
        this.legs = legs;
        this.callStateChanges = callStateChanges;
        this.clock = clock;
    }

    /** The status callback of Twilio carrier {@code providerId}; empty when it is no Twilio carrier of ours. */
    Optional<TwilioStatusCallback> of(String providerId) {
        if (providerId == null || !PROVIDER_ID.matcher(providerId).matches()) {
            return Optional.empty();
        }
        return byProvider.computeIfAbsent(providerId, this::build);
    }

    private Optional<TwilioStatusCallback> build(String providerId) {
        Function<String, Optional<String>> of = name -> setting.apply(providerId, name);
        if (!of.apply("adapter").map(a -> a.toUpperCase(Locale.ROOT).equals("TWILIO")).orElse(false)) {
            return Optional.empty();
        }
        String secretId = of.apply("secret-id").orElseThrow(() -> new IllegalStateException(
                "Twilio carrier " + providerId + " needs calling.carriers." + providerId + ".secret-id"));
        TwilioConfig config = TwilioConfig.fromSettings(providerId, of,
                TwilioSecretSource.fromSecretsManager(secretsManager.get(), secretId, clock))
                .orElseThrow(() -> new IllegalStateException(
                        "Twilio carrier " + providerId + " needs calling.carriers." + providerId + ".account-sid"));
        return Optional.of(new TwilioStatusCallback(new TwilioApi(config), legs, callStateChanges, clock));
    }
}
