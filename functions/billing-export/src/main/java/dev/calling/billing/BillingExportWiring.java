package dev.calling.billing;

import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/** Builds the export from configuration; created once per Lambda container. */
@ApplicationScoped
public class BillingExportWiring {

    @Produces
    @ApplicationScoped
    BillingExport billingExport(DynamoDbClient dynamoDb, S3Client s3,
            @ConfigProperty(name = "calling.tables.call-detail-records") String table,
            @ConfigProperty(name = "calling.buckets.billing-exports") String bucket) {
        return new BillingExport(new DynamoDbCallDetailRecords(dynamoDb, table), s3, bucket);
    }
}
