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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/** s3mock as a process: it serves the S3 API to the real SDK client, has the buckets, and goes away on close. */
class EmbeddedS3Test {

    /**
     * One test with two servers, started at once: each start boots a JVM, the longest part of this class, and
     * two side by side are what a build with two test JVMs runs.
     */
    @Test
    void twoServersSideBySideServeTheBucketsThroughTheSdkAndStopOnClose() throws Exception {
        var startedOne = EmbeddedS3.startInBackground();
        var startedTwo = EmbeddedS3.startInBackground();
        URI endpointOne;
        URI endpointTwo;
        try (EmbeddedS3 one = startedOne.join()) {
            EmbeddedS3 two = startedTwo.join();
            endpointOne = one.endpoint();
            endpointTwo = two.endpoint();
            var s3 = one.s3();
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
            assertThat(Files.size(one.logFile())).isPositive();

            // The other server is its own: other ports, none of the first one's objects.
            assertThat(List.of(endpointOne.getPort(), endpointTwo.getPort())).doesNotHaveDuplicates();
            assertThat(two.s3().listBuckets().buckets()).extracting(b -> b.name())
                    .containsAll(Resources.BUCKETS.stream().map(Resources.BucketDefinition::name).toList());
            assertThat(two.s3().listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
        } finally {
            EmbeddedS3.closeWhenStarted(startedTwo); // as a holder of a background start closes it
        }
        assertThatThrownBy(() -> get(endpointOne)).as("nothing listens after close").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(endpointTwo)).as("nothing listens after close").isInstanceOf(IOException.class);
    }

    @Test
    void aStartThatFailedLeavesNothingToClose() {
        EmbeddedS3.closeWhenStarted(CompletableFuture.failedFuture(new IllegalStateException("s3mock did not start")));
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
