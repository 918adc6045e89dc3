package dev.calling.adapters.billing;

import dev.calling.core.charging.CallDetailRecord;
import dev.calling.core.charging.CallDetailRecords;
import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Finance's daily export: every call detail record of one UTC day as a gzip CSV object plus a
 * manifest beside it, e.g. {@code calls/2026/11/24/calls-2026-11-24.csv.gz} and
 * {@code calls/2026/11/24/manifest.json}.
 *
 * <p>Records stream from the store through commons-csv and gzip into a multipart upload one part
 * at a time (about {@link #DEFAULT_PART_SIZE}), so memory stays the same whatever the day's size.
 * If anything fails the upload is aborted: no object, no manifest, and an earlier export of the
 * day is left untouched. The manifest is written last, so a manifest always describes a complete
 * object.
 *
 * <p>Idempotent: exporting a day again over the same records writes byte-identical objects. The
 * order is the store's (the DynamoDB adapter's is stable), {@link GZIPOutputStream} writes no
 * time or file name in its header (MTIME is 0), and the manifest holds no generation time. (The
 * deflate bytes come from the JVM's zlib: another JDK build could compress differently; the CSV
 * inside would still be the same.)
 */
public final class BillingExport {

    /** Above S3's 5 MiB minimum part size; one such buffer is the export's working memory. */
    public static final int DEFAULT_PART_SIZE = 8 * 1024 * 1024;
    static final String CSV_CONTENT_TYPE = "application/gzip";
    static final String MANIFEST_CONTENT_TYPE = "application/json";
    private static final int IO_BUFFER = 64 * 1024;

    private final CallDetailRecords records;
    private final S3Client s3;
    private final String bucket;
    private final int partSize;

    public BillingExport(CallDetailRecords records, S3Client s3, String bucket) {
        this(records, s3, bucket, DEFAULT_PART_SIZE);
    }

    /**
     * @param partSize bytes per uploaded part: S3 (and s3mock) refuse parts under 5 MiB but the last;
     *     the tests use 5 MiB to get several parts out of fewer rows
     */
    public BillingExport(CallDetailRecords records, S3Client s3, String bucket, int partSize) {
        this.records = records;
        this.s3 = s3;
        this.bucket = bucket;
        this.partSize = partSize;
    }

    public static String objectKey(LocalDate day) {
        return prefix(day) + "calls-" + day + ".csv.gz";
    }

    public static String manifestKey(LocalDate day) {
        return prefix(day) + "manifest.json";
    }

    private static String prefix(LocalDate day) {
        return String.format("calls/%04d/%02d/%02d/", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }

    /** Exports the records of calls that ended on {@code day} (UTC); returns the manifest it wrote. */
    public ExportManifest export(LocalDate day) {
        String key = objectKey(day);
        DayTotals totals = new DayTotals(day);
        Sha256Counter written;
        try {
            written = writeObject(day, key, totals);
        } catch (IOException e) {
            throw new UncheckedIOException("export of " + day + " to s3://" + bucket + "/" + key + " failed", e);
        }
        ExportManifest manifest = new ExportManifest(day.toString(), bucket, key, totals.rows,
                CallDetailRecordCsv.COLUMNS, totals.byCurrency(), written.sha256(), written.count);
        s3.putObject(r -> r.bucket(bucket).key(manifestKey(day)).contentType(MANIFEST_CONTENT_TYPE),
                RequestBody.fromBytes(manifest.toJsonBytes()));
        return manifest;
    }

    /** The gzip CSV object: complete, or aborted (and the failure rethrown). */
    private Sha256Counter writeObject(LocalDate day, String key, DayTotals totals) throws IOException {
        MultipartUploadOutputStream upload =
                new MultipartUploadOutputStream(s3, bucket, key, CSV_CONTENT_TYPE, partSize);
        Sha256Counter counter = new Sha256Counter(upload);
        CSVPrinter csv = null;
        try {
            GZIPOutputStream gzip = new GZIPOutputStream(counter, IO_BUFFER);
            Writer text = new BufferedWriter(new OutputStreamWriter(gzip, StandardCharsets.UTF_8), IO_BUFFER);
            csv = new CSVPrinter(text, CSVFormat.RFC4180);
            csv.printRecord(CallDetailRecordCsv.COLUMNS);
            CSVPrinter printer = csv;
            records.forEachEndedOn(day, cdr -> {
                totals.add(cdr);
                try {
                    printer.printRecord(CallDetailRecordCsv.row(cdr));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            csv.flush();
            gzip.finish();
            upload.complete();
        } catch (Throwable failed) {
            // Abort before closing the printer, so that closing cannot flush into a live upload.
            try {
                upload.close();
            } catch (RuntimeException abortFailed) {
                failed.addSuppressed(abortFailed);
            }
            throw failed;
        } finally {
            closeQuietly(csv);
        }
        return counter;
    }

    /** Releases the deflater; after an abort the flush it attempts fails, which changes nothing. */
    private static void closeQuietly(CSVPrinter csv) {
        if (csv == null) {
            return;
        }
        try {
            csv.close();
        } catch (IOException | RuntimeException ignored) {
            // the upload is already completed or aborted
        }
    }

    /** Row count and exact micro sums per currency, gathered while the rows stream past. */
    private static final class DayTotals {
        private final LocalDate day;
        private final Map<String, long[]> microsByCurrency = new TreeMap<>();
        private long rows;

        DayTotals(LocalDate day) {
            this.day = day;
        }

        void add(CallDetailRecord cdr) {
            if (!LocalDate.ofInstant(cdr.endedAt(), ZoneOffset.UTC).equals(day)) {
                throw new IllegalStateException("call " + cdr.callId() + " ended " + cdr.endedAt() + ", not on " + day);
            }
            long margin = cdr.margin().micros(); // refuses a record whose retail and cost currencies differ
            rows++;
            if (!CallDetailRecordCsv.hasCurrency(cdr)) {
                if (cdr.retail().micros() != 0 || cdr.carrierCost().micros() != 0) {
                    throw new IllegalStateException("call " + cdr.callId() + " has amounts but no currency");
                }
                return; // nobody pays for it: a row, but no totals line for "no currency"
            }
            long[] sums = microsByCurrency.computeIfAbsent(cdr.retail().currency().getCurrencyCode(), c -> new long[3]);
            sums[0] = Math.addExact(sums[0], cdr.retail().micros());
            sums[1] = Math.addExact(sums[1], cdr.carrierCost().micros());
            sums[2] = Math.addExact(sums[2], margin);
        }

        SortedMap<String, ExportManifest.Totals> byCurrency() {
            SortedMap<String, ExportManifest.Totals> result = new TreeMap<>();
            microsByCurrency.forEach((currency, sums) -> result.put(currency, new ExportManifest.Totals(
                    CallDetailRecordCsv.amount(sums[0]), CallDetailRecordCsv.amount(sums[1]),
                    CallDetailRecordCsv.amount(sums[2]))));
            return result;
        }
    }

    /** SHA-256 and size of the bytes on their way to S3 (the gzip object exactly as stored). */
    private static final class Sha256Counter extends FilterOutputStream {
        private final MessageDigest digest;
        private long count;

        Sha256Counter(OutputStream out) {
            super(out);
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            digest.update(bytes, offset, length);
            count += length;
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
