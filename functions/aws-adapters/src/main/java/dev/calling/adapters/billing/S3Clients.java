package dev.calling.adapters.billing;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 client of the functions, like {@code AwsClients}'s: URLConnection HTTP client; in AWS the
 * Lambda role's credentials. With an endpoint override (s3mock, LocalStack) it uses dummy static
 * credentials and path-style URLs: emulators serve {@code host/bucket/key}, not {@code bucket.host}.
 * Checksums stay at the SDK's defaults (CRC32 on uploads, validated downloads): s3mock 5.2.0
 * accepts them for PutObject and multipart uploads, so the local path is the production one.
 */
public final class S3Clients {

    private S3Clients() {}

    public static S3Client create(String region, Optional<URI> endpoint) {
        var builder = S3Client.builder().region(Region.of(region)).httpClient(UrlConnectionHttpClient.create());
        if (endpoint.isPresent()) {
            builder.endpointOverride(endpoint.get())
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }
}
