package dev.calling.lambda;

import dev.calling.adapters.AwsClients;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SDK clients and the clock, once per Lambda container, for every function: in AWS the
 * function's region and role; with {@code calling.aws.<service>-endpoint} set (the embedded
 * emulators, LocalStack) that endpoint and dummy credentials. A client a function never injects
 * is never built.
 */
@ApplicationScoped
public class AwsClientProducers {

    @ConfigProperty(name = "calling.aws.region")
    String region;

    @ConfigProperty(name = "calling.aws.dynamodb-endpoint")
    Optional<URI> dynamoDbEndpoint;

    @ConfigProperty(name = "calling.aws.sqs-endpoint")
    Optional<URI> sqsEndpoint;

    @ConfigProperty(name = "calling.aws.s3-endpoint")
    Optional<URI> s3Endpoint;

    private AwsClients clients() {
        return new AwsClients(region, dynamoDbEndpoint, sqsEndpoint, s3Endpoint);
    }

    @Produces
    @ApplicationScoped
    DynamoDbClient dynamoDb() {
        return clients().dynamoDb();
    }

    @Produces
    @ApplicationScoped
    SqsClient sqs() {
        return clients().sqs();
    }

    @Produces
    @ApplicationScoped
    S3Client s3() {
        return clients().s3();
    }

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
