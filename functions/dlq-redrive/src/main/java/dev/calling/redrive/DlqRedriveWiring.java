package dev.calling.redrive;

import dev.calling.redrive.DeadLetterRedrive.Options;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Builds the redrive from configuration; created once per Lambda container. */
@ApplicationScoped
public class DlqRedriveWiring {

    @Produces
    @ApplicationScoped
    DeadLetterRedrive deadLetterRedrive(SqsClient sqs, Clock clock,
            @ConfigProperty(name = "calling.redrive.name-prefix") Optional<String> namePrefix) {
        return new DeadLetterRedrive(sqs, namePrefix.orElse(""), clock);
    }

    @Produces
    Options redriveDefaults(@ConfigProperty(name = "calling.redrive.max") int max,
            @ConfigProperty(name = "calling.redrive.visibility-timeout") Duration visibilityTimeout) {
        return Options.defaults().withMax(max).withVisibilityTimeout(visibilityTimeout);
    }
}
