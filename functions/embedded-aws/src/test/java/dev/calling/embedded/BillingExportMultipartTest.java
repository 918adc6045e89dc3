package dev.calling.embedded;

import static dev.calling.embedded.BillingExportTest.BUCKET;
import static dev.calling.embedded.BillingExportTest.csv;
import static dev.calling.embedded.BillingExportTest.get;
import static dev.calling.embedded.BillingExportTest.pstn;
import static dev.calling.embedded.BillingExportTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.ExportManifest;
import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.CallDetailRecords;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The multipart path with small parts, fed from a generated record source (the DynamoDB reading
 * is covered by {@link BillingExportTest}): several parts make the same object as one PutObject,
 * and a failure after parts went up aborts the upload and leaves the previous export in place.
 * The rows carry random-looking ids so that the gzip object needs several 5 MiB parts.
 */
class BillingExportMultipartTest {

    static final LocalDate DAY = LocalDate.parse("2026-11-24");
    static final int ROWS = 150_000;
    /** S3's minimum part size (s3mock enforces it too), below the default 8 MiB. */
    static final int SMALL_PART = 5 * 1024 * 1024;

    /** Larger than the whole object: it goes up with one PutObject. */
    static final int ONE_PART = 32 * 1024 * 1024;

    static EmbeddedS3 s3mock;

    @BeforeAll
    static void start() {
        s3mock = EmbeddedS3.start();
    }

    @AfterAll
    static void stop() {
        s3mock.close();
    }

    @Test
    void manySmallPartsMakeTheSameObjectAsOnePut() throws Exception {
        String key = BillingExport.objectKey(DAY);
        ExportManifest single = new BillingExport(new Generated(ROWS, -1), s3mock.s3(), BUCKET, ONE_PART).export(DAY);
        byte[] onePut = get(s3mock.s3(), key);
        String singleETag = s3mock.s3().headObject(r -> r.bucket(BUCKET).key(key)).eTag();

        ExportManifest multipart = new BillingExport(new Generated(ROWS, -1), s3mock.s3(), BUCKET, SMALL_PART).export(DAY);
        byte[] parts = get(s3mock.s3(), key);
        String multipartETag = s3mock.s3().headObject(r -> r.bucket(BUCKET).key(key)).eTag();

        assertThat(onePut.length).as("needs three parts or more").isGreaterThan(2 * SMALL_PART);
        // S3 (and s3mock) mark an object assembled from N parts with an ETag ending in "-N".
        assertThat(multipartETag.replace("\"", "")).endsWith("-" + (onePut.length + SMALL_PART - 1) / SMALL_PART);
        assertThat(singleETag).doesNotContain("-");
        assertThat(parts).isEqualTo(onePut);
        assertThat(multipart).isEqualTo(single);
        assertThat(multipart.sha256()).isEqualTo(sha256(parts));
        assertThat(csv(parts)).hasSize(ROWS + 1);
        assertThat(multipart.rows()).isEqualTo(ROWS);
    }

    @Test
    void aFailureAfterSomePartsAbortsTheUploadAndKeepsThePreviousExport() throws Exception {
        LocalDate day = DAY.plusDays(3);
        String key = BillingExport.objectKey(day);
        ExportManifest previous = new BillingExport(new Generated(100, -1), s3mock.s3(), BUCKET, SMALL_PART).export(day);
        byte[] previousManifest = get(s3mock.s3(), BillingExport.manifestKey(day));

        Generated failing = new Generated(ROWS, ROWS / 2);
        assertThatThrownBy(() -> new BillingExport(failing, s3mock.s3(), BUCKET, SMALL_PART).export(day))
                .hasMessageContaining("store unavailable");

        assertThat(failing.emitted).as("parts went up before the failure").isGreaterThan(60_000);
        assertThat(s3mock.s3().listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).as("aborted").isEmpty();
        // The manifest is written only after a complete object, so the previous one stands. (In S3 the
        // previous object stands too; s3mock 5.2.0 drops an existing object when an upload to its key
        // is aborted, so that half is not asserted here.)
        assertThat(get(s3mock.s3(), BillingExport.manifestKey(day))).isEqualTo(previousManifest);
        assertThat(previous.rows()).isEqualTo(100);

        LocalDate fresh = DAY.plusDays(4);
        assertThatThrownBy(() -> new BillingExport(new Generated(ROWS, ROWS / 2), s3mock.s3(), BUCKET, SMALL_PART)
                .export(fresh)).hasMessageContaining("store unavailable");
        assertThatThrownBy(() -> get(s3mock.s3(), BillingExport.objectKey(fresh))).as("no partial object")
                .isInstanceOf(NoSuchKeyException.class);
        assertThatThrownBy(() -> get(s3mock.s3(), BillingExport.manifestKey(fresh))).isInstanceOf(NoSuchKeyException.class);
        assertThat(s3mock.s3().listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }

    static String amount(int micros) {
        return "0." + String.format("%06d", micros);
    }

    static CallDetailRecord withCaller(CallDetailRecord r, String caller) {
        return new CallDetailRecord(r.callId(), caller, r.callee(), r.dialledNumber(), r.route(), r.providerId(),
                r.attempts(), r.requestedAt(), r.answeredAt(), r.endedAt(), r.endReason(), r.talkSeconds(),
                r.billableSeconds(), r.retail(), r.carrierCost());
    }

    /** {@code count} records of the day, in a fixed order; throws at record {@code failAt} (if not negative). */
    static final class Generated implements CallDetailRecords {
        final int count;
        final int failAt;
        int emitted;

        Generated(int count, int failAt) {
            this.count = count;
            this.failAt = failAt;
        }

        @Override
        public void record(CallDetailRecord cdr) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void revise(CallDetailRecord revised) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void forEachEndedOn(LocalDate day, Consumer<CallDetailRecord> sink) {
            Instant start = day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            Random random = new Random(42); // the same records, in the same order, on every call
            for (int i = 0; i < count; i++) {
                if (i == failAt) {
                    throw new IllegalStateException("store unavailable");
                }
                CallDetailRecord r = pstn(new UUID(random.nextLong(), random.nextLong()) + "-" + i,
                        start.plusMillis(i * 500L + i % 997).toString(),
                        amount(random.nextInt(1_000_000)), amount(random.nextInt(500_000)), "USD");
                sink.accept(withCaller(r, Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())
                        + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())));
                emitted++;
            }
        }
    }
}
