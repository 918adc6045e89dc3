package dev.calling.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

class AwsClientsTest {

    @Test
    void anS3ClientForReadsOnACallsPathHasItsRequestsBounded() {
        AwsClients clients = new AwsClients("us-east-1", Optional.empty(), Optional.empty(),
                Optional.of(URI.create("http://127.0.0.1:9")));
        try (S3Client bounded = clients.s3(Duration.ofSeconds(3)); S3Client plain = clients.s3()) {
            assertThat(bounded.serviceClientConfiguration().overrideConfiguration().apiCallTimeout())
                    .contains(Duration.ofSeconds(3));
            assertThat(plain.serviceClientConfiguration().overrideConfiguration().apiCallTimeout()).isEmpty();
        }
    }
}
