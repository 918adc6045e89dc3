package dev.calling.billing;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.billing.S3Clients;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/** Builds the export from configuration; created once per Lambda container. */
@ApplicationScoped
public class BillingExportWiring {

    @Produces
    @ApplicationScoped
    DynamoDbClient dynamoDb(@ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.dynamodb-endpoint") Optional<URI> endpoint) {
        return new AwsClients(region, endpoint, Optional.empty()).dynamoDb();
    }

    @Produces
    @ApplicationScoped
    S3Client s3(@ConfigProperty(name = "calling.aws.region") String region,
            @ConfigProperty(name = "calling.aws.s3-endpoint") Optional<URI> endpoint) {
        return S3Clients.create(region, endpoint);
    }

    @Produces
    @ApplicationScoped
    BillingExport billingExport(DynamoDbClient dynamoDb, S3Client s3,
            @ConfigProperty(name = "calling.tables.call-detail-records") String table,
            @ConfigProperty(name = "calling.buckets.billing-exports") String bucket) {
        return new BillingExport(new DynamoDbCallDetailRecords(dynamoDb, table), s3, bucket);
    }
}
