package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/** s3mock as a process: it serves the S3 API to the real SDK client, has the buckets, and goes away on close. */
class EmbeddedS3Test {

    @Test
    void servesTheBucketsThroughTheSdkAndStopsOnClose() throws Exception {
        URI endpoint;
        try (EmbeddedS3 s3mock = EmbeddedS3.start()) {
            endpoint = s3mock.endpoint();
            var s3 = s3mock.s3();
            assertThat(s3.listBuckets().buckets()).extracting(b -> b.name())
                    .containsAll(Resources.BUCKETS.stream().map(Resources.BucketDefinition::name).toList());

            String bucket = Resources.BILLING_EXPORTS.name();
            s3.putObject(r -> r.bucket(bucket).key("a/b.txt"), RequestBody.fromString("hello"));
            assertThat(s3.getObjectAsBytes(r -> r.bucket(bucket).key("a/b.txt")).asUtf8String()).isEqualTo("hello");

            // A multipart upload round-trips byte for byte; like S3, s3mock wants 5 MiB in every part but the last.
            byte[] first = randomBytes(5 * 1024 * 1024, 1);
            byte[] second = randomBytes(1_000, 2);
            String id = s3.createMultipartUpload(r -> r.bucket(bucket).key("mp.bin")).uploadId();
            String e1 = s3.uploadPart(r -> r.bucket(bucket).key("mp.bin").uploadId(id).partNumber(1),
                    RequestBody.fromBytes(first)).eTag();
            String e2 = s3.uploadPart(r -> r.bucket(bucket).key("mp.bin").uploadId(id).partNumber(2),
                    RequestBody.fromBytes(second)).eTag();
            s3.completeMultipartUpload(r -> r.bucket(bucket).key("mp.bin").uploadId(id).multipartUpload(m -> m.parts(
                    CompletedPart.builder().partNumber(1).eTag(e1).build(),
                    CompletedPart.builder().partNumber(2).eTag(e2).build())));
            byte[] stored = s3.getObjectAsBytes(r -> r.bucket(bucket).key("mp.bin")).asByteArray();
            byte[] expected = Arrays.copyOf(first, first.length + second.length);
            System.arraycopy(second, 0, expected, first.length, second.length);
            assertThat(stored).isEqualTo(expected);
            assertThat(Files.size(s3mock.logFile())).isPositive();
        }
        assertThatThrownBy(() -> get(endpoint)).as("nothing listens after close").isInstanceOf(IOException.class);
    }

    @Test
    void twoServersRunSideBySide() {
        try (EmbeddedS3 one = EmbeddedS3.start(); EmbeddedS3 two = EmbeddedS3.start()) {
            one.s3().putObject(r -> r.bucket(Resources.BILLING_EXPORTS.name()).key("only-in-one"), RequestBody.empty());
            assertThat(one.endpoint()).isNotEqualTo(two.endpoint());
            assertThat(two.s3().listObjectsV2(r -> r.bucket(Resources.BILLING_EXPORTS.name())).contents()).isEmpty();
            assertThat(List.of(one.endpoint().getPort(), two.endpoint().getPort())).doesNotHaveDuplicates();
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static int get(URI endpoint) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
        connection.setConnectTimeout(1_000);
        return connection.getResponseCode();
    }
}
