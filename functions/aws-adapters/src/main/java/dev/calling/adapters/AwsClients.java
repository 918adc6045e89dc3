package dev.calling.adapters;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the SDK clients every function uses. With an endpoint override (the embedded emulators,
 * LocalStack) they use dummy static credentials; without one, the Lambda role's credentials.
 */
public final class AwsClients {

    private final Region region;
    private final Optional<URI> dynamoDbEndpoint;
    private final Optional<URI> sqsEndpoint;
    private final Optional<URI> s3Endpoint;

    public AwsClients(String region, Optional<URI> dynamoDbEndpoint, Optional<URI> sqsEndpoint, Optional<URI> s3Endpoint) {
        this.region = Region.of(region);
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.sqsEndpoint = sqsEndpoint;
        this.s3Endpoint = s3Endpoint;
    }

    public AwsClients(String region, Optional<URI> dynamoDbEndpoint, Optional<URI> sqsEndpoint) {
        this(region, dynamoDbEndpoint, sqsEndpoint, Optional.empty());
    }

    public DynamoDbClient dynamoDb() {
        var builder = DynamoDbClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(dynamoDbEndpoint));
        dynamoDbEndpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    public SqsClient sqs() {
        var builder = SqsClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(sqsEndpoint));
        sqsEndpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /**
     * With an endpoint override, path-style URLs: emulators serve {@code host/bucket/key}, not
     * {@code bucket.host}. Checksums stay at the SDK's defaults (CRC32 on uploads, validated
     * downloads), which s3mock accepts, so the local path is the production one.
     */
    public S3Client s3() {
        var builder = S3Client.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(s3Endpoint));
        s3Endpoint.ifPresent(endpoint -> builder.endpointOverride(endpoint).forcePathStyle(true));
        return builder.build();
    }

    /**
     * The WebSocket API's management endpoint ({@code https://<api>.execute-api.<region>.amazonaws.com/<stage>},
     * or the local gateway's): there is no default endpoint, each API has its own.
     */
    public ApiGatewayManagementApiClient apiGatewayManagement(URI endpoint) {
        boolean emulated = dynamoDbEndpoint.isPresent() || sqsEndpoint.isPresent();
        return ApiGatewayManagementApiClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(emulated ? Optional.of(endpoint) : Optional.empty()))
                .endpointOverride(endpoint).build();
    }

    private static AwsCredentialsProvider credentials(Optional<URI> endpoint) {
        return endpoint.isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
