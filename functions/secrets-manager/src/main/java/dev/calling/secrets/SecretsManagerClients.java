package dev.calling.secrets;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Builds the Secrets Manager client the way {@code AwsClients} builds the others: URLConnection HTTP
 * client, short timeouts; with an endpoint override (a stub in tests) dummy static credentials,
 * otherwise the Lambda role's.
 */
public final class SecretsManagerClients {

    private SecretsManagerClients() {}

    public static SecretsManagerClient create(String region, Optional<URI> endpoint) {
        var builder = SecretsManagerClient.builder().region(Region.of(region))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(5)).build())
                .credentialsProvider(endpoint.isPresent()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                        : DefaultCredentialsProvider.builder().build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
