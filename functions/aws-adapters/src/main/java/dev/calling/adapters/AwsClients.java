package dev.calling.adapters;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
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
    private final List<ExecutionInterceptor> dynamoDbInterceptors;
    private final List<ExecutionInterceptor> sqsInterceptors;

    public AwsClients(String region, Optional<URI> dynamoDbEndpoint, Optional<URI> sqsEndpoint, Optional<URI> s3Endpoint) {
        this(Region.of(region), dynamoDbEndpoint, sqsEndpoint, s3Endpoint, List.of(), List.of());
    }

    private AwsClients(Region region, Optional<URI> dynamoDbEndpoint, Optional<URI> sqsEndpoint, Optional<URI> s3Endpoint,
            List<ExecutionInterceptor> dynamoDbInterceptors, List<ExecutionInterceptor> sqsInterceptors) {
        this.region = region;
        this.dynamoDbEndpoint = dynamoDbEndpoint;
        this.sqsEndpoint = sqsEndpoint;
        this.s3Endpoint = s3Endpoint;
        this.dynamoDbInterceptors = List.copyOf(dynamoDbInterceptors);
        this.sqsInterceptors = List.copyOf(sqsInterceptors);
    }

    public AwsClients(String region, Optional<URI> dynamoDbEndpoint, Optional<URI> sqsEndpoint) {
        this(region, dynamoDbEndpoint, sqsEndpoint, Optional.empty());
    }

    /**
     * The same clients with SDK execution interceptors added to the DynamoDB and SQS clients they
     * build (request counting, fault injection in the resilience suite); the endpoints stay.
     */
    public AwsClients withInterceptors(List<ExecutionInterceptor> dynamoDb, List<ExecutionInterceptor> sqs) {
        return new AwsClients(region, dynamoDbEndpoint, sqsEndpoint, s3Endpoint, dynamoDb, sqs);
    }

    /** The same clients reaching DynamoDB and SQS at other endpoints (a proxy in front of an emulator). */
    public AwsClients withEndpoints(URI dynamoDb, URI sqs) {
        return new AwsClients(region, Optional.of(dynamoDb), Optional.of(sqs), s3Endpoint, dynamoDbInterceptors,
                sqsInterceptors);
    }

    public DynamoDbClient dynamoDb() {
        var builder = DynamoDbClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(dynamoDbEndpoint));
        dynamoDbEndpoint.ifPresent(builder::endpointOverride);
        if (!dynamoDbInterceptors.isEmpty()) {
            builder.overrideConfiguration(c -> dynamoDbInterceptors.forEach(c::addExecutionInterceptor));
        }
        return builder.build();
    }

    public SqsClient sqs() {
        var builder = SqsClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(sqsEndpoint));
        sqsEndpoint.ifPresent(builder::endpointOverride);
        if (!sqsInterceptors.isEmpty()) {
            builder.overrideConfiguration(c -> sqsInterceptors.forEach(c::addExecutionInterceptor));
        }
        return builder.build();
    }

    /**
     * With an endpoint override, path-style URLs: emulators serve {@code host/bucket/key}, not
     * {@code bucket.host}. Checksums stay at the SDK's defaults (CRC32 on uploads, validated
     * downloads), which s3mock accepts, so the local path is the production one.
     */
    public S3Client s3() {
        return s3Builder().build();
    }

    /**
     * Like {@link #s3()}, with every request bounded by {@code timeout}, its retries included: for a read on a
     * call's path (a carrier's scheduled rate deck), which a slow S3 must not hold for the SDK's default 30 s.
     */
    public S3Client s3(Duration timeout) {
        return s3Builder().overrideConfiguration(c -> c.apiCallTimeout(timeout)).build();
    }

    private software.amazon.awssdk.services.s3.S3ClientBuilder s3Builder() {
        var builder = S3Client.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(s3Endpoint));
        s3Endpoint.ifPresent(endpoint -> builder.endpointOverride(endpoint).forcePathStyle(true));
        return builder;
    }

    /**
     * The WebSocket API's management endpoint ({@code https://<api>.execute-api.<region>.amazonaws.com/<stage>},
     * or the local gateway's): there is no default endpoint, each API has its own.
     */
    public ApiGatewayManagementApiClient apiGatewayManagement(URI endpoint) {
        boolean emulated = dynamoDbEndpoint.isPresent() || sqsEndpoint.isPresent();
        return apiGatewayManagement(endpoint, credentials(emulated ? Optional.of(endpoint) : Optional.empty()));
    }

    /** A management client that signs with {@code credentials} (the local gateway's, which checks them). */
    public ApiGatewayManagementApiClient apiGatewayManagement(URI endpoint, AwsCredentialsProvider credentials) {
        return ApiGatewayManagementApiClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials).endpointOverride(endpoint).build();
    }

    /** An EventBridge client: the Lambda role's credentials in AWS, or a stub's at {@code endpoint}. */
    public EventBridgeClient eventBridge(Optional<URI> endpoint) {
        var builder = EventBridgeClient.builder().region(region).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(credentials(endpoint));
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(Optional<URI> endpoint) {
        return endpoint.isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
