package dev.calling.benchmarks;

import dev.calling.adapters.Resources;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.adapters.billing.DynamoDbCallDetailRecords;
import dev.calling.adapters.billing.ExportManifest;
import dev.calling.core.charging.CallDetailRecords;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.EmbeddedS3;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * One timed run of the daily billing export (not JMH: one export is seconds long and its memory
 * matters as much as its time). {@link BillingExport} streams the records through commons-csv and
 * gzip into a multipart upload (8 MiB parts) to s3mock running as a separate process.
 *
 * <ul>
 *   <li>{@code synthetic [rows]} (default 1 000 000): the records come from
 *       {@link ExportSyntheticRecords}, so the figure is the export's own cost (CSV, gzip, SHA-256,
 *       upload) without a store;</li>
 *   <li>{@code dynamodb [rows]} (default 100 000): the records are first written to dynalite
 *       (not timed) and the export reads them back through the day's 16 index shards.</li>
 * </ul>
 *
 * <p>Prints rows/s, elapsed time, the object's size and parts, and the peak heap: the JVM is
 * collected and the heap pools' peaks are reset just before the export, then their peaks are
 * summed afterwards (an upper bound: each pool's peak may come at a different moment). Run it
 * with a small {@code -Xmx} to show the export's memory does not grow with the day.
 */
public final class ExportBenchmark {

    static final LocalDate DAY = LocalDate.of(2026, 11, 24);

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "synthetic";
        int rows = args.length > 1 ? Integer.parseInt(args[1].replace("_", "")) : mode.equals("dynamodb") ? 100_000 : 1_000_000;
        ExportSyntheticRecords synthetic = new ExportSyntheticRecords(DAY, rows, 42);
        System.out.printf("== ExportBenchmark %s, %,d rows; %s; max heap %d MiB; %d cores%n", mode, rows,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());

        long t0 = System.nanoTime();
        try (EmbeddedS3 s3mock = EmbeddedS3.start()) {
            System.out.printf("s3mock process started in %.1f s%n", seconds(System.nanoTime() - t0));
            switch (mode) {
                case "synthetic" -> run(synthetic, s3mock, rows);
                case "dynamodb" -> {
                    try (EmbeddedAws aws = EmbeddedAws.start(); DynamoDbClient dynamoDb = aws.clients().dynamoDb()) {
                        var records = new DynamoDbCallDetailRecords(dynamoDb, Resources.CALL_DETAIL_RECORDS.name());
                        long load = System.nanoTime();
                        load(synthetic, records);
                        System.out.printf("loaded %,d records into dynalite in %.1f s (not part of the export)%n",
                                rows, seconds(System.nanoTime() - load));
                        run(records, s3mock, rows);
                    }
                }
                default -> throw new IllegalArgumentException("mode is synthetic or dynamodb, not " + mode);
            }
        }
    }

    private static void run(CallDetailRecords records, EmbeddedS3 s3mock, int expectedRows) {
        BillingExport export = new BillingExport(records, s3mock.s3(), Resources.BILLING_EXPORTS.name());
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
        System.gc();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long baseline = heap.stream().mapToLong(pool -> pool.getUsage().getUsed()).sum();

        long start = System.nanoTime();
        ExportManifest manifest = export.export(DAY);
        long elapsed = System.nanoTime() - start;

        long peak = heap.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
        HeadObjectResponse head = s3mock.s3().headObject(r -> r.bucket(manifest.bucket()).key(manifest.objectKey()));
        if (manifest.rows() != expectedRows) {
            throw new IllegalStateException("exported " + manifest.rows() + " rows, expected " + expectedRows);
        }
        System.out.printf("rows          %,d%n", manifest.rows());
        System.out.printf("elapsed       %.2f s%n", seconds(elapsed));
        System.out.printf("throughput    %,.0f rows/s%n", manifest.rows() / seconds(elapsed));
        System.out.printf("object        %,d bytes (%.1f MiB, %.1f bytes a row), ETag %s%n", head.contentLength(),
                head.contentLength() / 1048576.0, (double) head.contentLength() / Math.max(1, manifest.rows()), head.eTag());
        System.out.printf("heap          %.1f MiB after GC before the export; peak %.1f MiB (sum of pool peaks)%n",
                baseline / 1048576.0, peak / 1048576.0);
        System.out.printf("totals        %s%n", manifest.totals());
    }

    /** Writes the records with a few threads, as many call state managers would. */
    private static void load(ExportSyntheticRecords synthetic, DynamoDbCallDetailRecords records) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger failures = new AtomicInteger();
        var pending = new java.util.ArrayDeque<Future<?>>();
        synthetic.forEach(cdr -> {
            pending.add(pool.submit(() -> records.record(cdr)));
            while (pending.size() > 1_000) {
                try {
                    pending.poll().get();
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
            }
        });
        for (Future<?> f : pending) {
            f.get();
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " records failed to load");
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
