package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.Resources;
import dev.calling.adapters.routing.DynamoDbCarrierCatalogue;
import dev.calling.adapters.routing.DynamoDbRateDecks;
import dev.calling.adapters.routing.S3RateDeckObjects;
import dev.calling.adapters.routing.ScheduledRateDecks;
import dev.calling.core.money.Money;
import dev.calling.core.operator.RateDeckObjects;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.CarrierStatus;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.ScheduledRateDeck;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/**
 * Operators' scheduled cost decks as a call state manager's catalogue reads them, through the real SDK clients
 * against dynalite and s3mock: the deck in effect from its exact instant, each deck version downloaded once, a
 * deck pinned to the version it was validated as (by version id in a versioned bucket, by ETag in an unversioned
 * one), and the faults (table down, object gone or changed, wrong currency) falling back without failing a call.
 */
class ScheduledRateDecksTest {

    static final Instant T = Instant.parse("2026-12-05T10:00:00Z");
    static final String VERSIONED = Resources.RATE_DECK_OBJECTS.name();
    static final String UNVERSIONED = "rate-decks-unversioned";
    static final ProviderHealth.Policy POLICY = ProviderHealth.Policy.defaults();
    static final Duration REFRESH = Duration.ofMinutes(1);

    static EmbeddedAws aws;
    static EmbeddedS3 s3mock;
    static DynamoDbClient dynamoDb;
    static DynamoDbClient flakyDynamoDb;
    static S3Client s3;
    static final AtomicBoolean tableDown = new AtomicBoolean();
    static final AtomicInteger getObjects = new AtomicInteger();
    static DynamoDbRateDecks table;

    /** Counts the GetObject requests the client sends: a tally beside the real client, not a stand-in for it. */
    static final class CountGets implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof GetObjectRequest) {
                getObjects.incrementAndGet();
            }
        }
    }

    /** A DynamoDB outage for one client: every request fails before it is sent. */
    static final class Outage implements ExecutionInterceptor {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (tableDown.get()) {
                throw new IllegalStateException("DynamoDB unreachable (test outage)");
            }
        }
    }

    @BeforeAll
    static void start() {
        var s3Started = EmbeddedS3.startInBackground();
        aws = EmbeddedAws.start();
        s3mock = s3Started.join();
        dynamoDb = aws.clients().dynamoDb();
        flakyDynamoDb = aws.clients().withInterceptors(List.of(new Outage()), List.of()).dynamoDb();
        table = new DynamoDbRateDecks(flakyDynamoDb, Resources.RATE_DECKS.name());
        s3 = S3Client.builder().region(Region.of(EmbeddedAws.REGION)).httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("l", "l"))
                .endpointOverride(s3mock.endpoint()).forcePathStyle(true)
                .overrideConfiguration(c -> c.addExecutionInterceptor(new CountGets())).build();
        // In AWS the rate-decks bucket is versioned (the CDK app); locally both kinds are tried.
        s3.putBucketVersioning(r -> r.bucket(VERSIONED).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        s3.createBucket(r -> r.bucket(UNVERSIONED));
    }

    @AfterAll
    static void stop() {
        s3.close();
        flakyDynamoDb.close();
        dynamoDb.close();
        s3mock.close();
        aws.close();
    }

    static String csv(String prefix, String perMinute, String currency) {
        return "prefix,per_minute,connect_fee,currency,increment,effective_from\n" + prefix + "," + perMinute
                + ",0," + currency + ",60/60,2020-01-01\n";
    }

    static Provider carrier(String id, String perMinute) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(new Rate("44", Money.of(perMinute, "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_MINUTE, LocalDate.of(2020, 1, 1)))), 100, true, 50);
    }

    static void upload(String bucket, String key, String content) {
        upload(bucket, key, content.getBytes(StandardCharsets.UTF_8));
    }

    static void upload(String bucket, String key, byte[] content) {
        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    /** Deletes the version a schedule names (not only hiding it behind a delete marker). */
    static void deleteVersion(String bucket, dev.calling.core.routing.RateDeckObject object) {
        s3.deleteObject(r -> r.bucket(bucket).key(object.key()).versionId(object.versionId().orElseThrow()));
    }

    /** Validates the object as the operator API does, and schedules it from {@code from}. */
    static ScheduledRateDeck schedule(String bucket, String carrierId, String key, Instant from) {
        RateDeckObjects.Validated deck = new S3RateDeckObjects(() -> s3, bucket).validate(key);
        ScheduledRateDeck scheduled = new ScheduledRateDeck(carrierId, from, deck.object(), deck.rates(), deck.currency(),
                "arn:aws:iam::111122223333:user/ops", Optional.empty(), T);
        assertThat(table.add(scheduled)).isTrue();
        return scheduled;
    }

    /** A catalogue over these carriers, whose refresh clock the test moves. */
    record Catalogue(DynamoDbCarrierCatalogue catalogue, AtomicLong nanos, AtomicInteger s3Built, List<String> metrics) {
        String perMinute(String carrierId, Instant now) {
            CarrierStatus status = catalogue.carriers(now).stream().filter(c -> c.provider().id().equals(carrierId))
                    .findFirst().orElseThrow();
            return status.provider().costDeck().lookup("447400123456", LocalDate.of(2026, 12, 5)).orElseThrow()
                    .perMinute().toBigDecimal().stripTrailingZeros().toPlainString();
        }

        void later(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }
    }

    static Catalogue catalogue(String bucket, Provider... carriers) {
        AtomicLong nanos = new AtomicLong();
        AtomicInteger built = new AtomicInteger();
        List<String> metrics = new CopyOnWriteArrayList<>();
        ScheduledRateDecks decks = new ScheduledRateDecks(table, new S3RateDeckObjects(() -> {
            built.incrementAndGet();
            return s3;
        }, bucket), List.of(carriers), REFRESH, nanos::get, metrics::add);
        return new Catalogue(new DynamoDbCarrierCatalogue(dynamoDb, Resources.CARRIER_HEALTH.name(), List.of(carriers),
                POLICY, decks), nanos, built, metrics);
    }

    @Test
    void aDeckScheduledAheadTakesOverAtItsExactInstantBetweenReadsAndEachVersionIsDownloadedOnce() {
        upload(VERSIONED, "exact/now.csv", csv("44", "0.02", "USD"));
        upload(VERSIONED, "exact/later.csv.gz", gzipBytes(csv("44", "0.03", "USD")));
        schedule(VERSIONED, "exact", "exact/now.csv", T);
        ScheduledRateDeck later = schedule(VERSIONED, "exact", "exact/later.csv.gz", T.plusSeconds(30));
        assertThat(later.object().versionId()).as("s3mock versions the bucket").isPresent();
        Catalogue catalogue = catalogue(VERSIONED, carrier("exact", "0.01"));
        int gets = getObjects.get();

        assertThat(catalogue.perMinute("exact", T.minusMillis(1))).as("before any deck: the packaged one").isEqualTo("0.01");
        for (int call = 0; call < 5; call++) {
            assertThat(catalogue.perMinute("exact", T.plusSeconds(29).plusMillis(999))).isEqualTo("0.02");
        }
        for (int call = 0; call < 5; call++) {
            assertThat(catalogue.perMinute("exact", T.plusSeconds(30))).as("no read between").isEqualTo("0.03");
        }
        assertThat(getObjects.get() - gets).as("one GetObject per deck version").isEqualTo(2);

        // The key overwritten: the scheduled version still prices the carrier, also after the schedule is read again.
        upload(VERSIONED, "exact/later.csv.gz", gzipBytes(csv("44", "0.09", "USD")));
        catalogue.later(REFRESH.plusSeconds(1));
        assertThat(catalogue.perMinute("exact", T.plusSeconds(90))).isEqualTo("0.03");
        assertThat(getObjects.get() - gets).as("a compiled version is never downloaded again").isEqualTo(2);
        assertThat(catalogue.metrics()).as("nothing unusable, nothing counted").isEmpty();
    }

    @Test
    void inABucketWithoutVersionsADeckIsPinnedByItsETagAndAnOverwrittenOneFallsBackToTheEarlierDeck() {
        upload(UNVERSIONED, "etag/a.csv", csv("44", "0.02", "USD"));
        upload(UNVERSIONED, "etag/b.csv", csv("44", "0.03", "USD"));
        schedule(UNVERSIONED, "etag", "etag/a.csv", T);
        ScheduledRateDeck b = schedule(UNVERSIONED, "etag", "etag/b.csv", T.plusSeconds(60));
        assertThat(b.object().versionId()).isEmpty();
        upload(UNVERSIONED, "etag/b.csv", csv("44", "0.09", "USD")); // overwritten after it was validated

        Catalogue catalogue = catalogue(UNVERSIONED, carrier("etag", "0.01"));

        assertThat(catalogue.perMinute("etag", T.plusSeconds(61))).as("not the overwritten content").isEqualTo("0.02");
        assertThatThrownBy(() -> new S3RateDeckObjects(() -> s3, UNVERSIONED).load(b.object()))
                .hasMessageContaining("412");
    }

    @Test
    void aTableOutageKeepsTheScheduleLastReadAndFailsNoCall() {
        upload(VERSIONED, "outage/a.csv", csv("44", "0.02", "USD"));
        upload(VERSIONED, "outage/b.csv", csv("44", "0.03", "USD"));
        schedule(VERSIONED, "outage", "outage/a.csv", T);
        Catalogue catalogue = catalogue(VERSIONED, carrier("outage", "0.01"), carrier("never-read", "0.05"));
        assertThat(catalogue.perMinute("outage", T)).isEqualTo("0.02");
        schedule(VERSIONED, "outage", "outage/b.csv", T.plusSeconds(10));

        tableDown.set(true);
        try {
            catalogue.later(REFRESH.plusSeconds(1));
            assertThat(catalogue.perMinute("outage", T.plusSeconds(20))).as("the schedule read before").isEqualTo("0.02");
            assertThat(catalogue.perMinute("never-read", T.plusSeconds(20))).as("packaged").isEqualTo("0.05");
        } finally {
            tableDown.set(false);
        }
        assertThat(catalogue.perMinute("outage", T.plusSeconds(20))).as("until the next refresh").isEqualTo("0.02");
        catalogue.later(REFRESH.plusSeconds(1));
        assertThat(catalogue.perMinute("outage", T.plusSeconds(20))).as("read again").isEqualTo("0.03");
    }

    @Test
    void aMissingInvalidOrForeignCurrencyDeckFallsBackToTheNewestEarlierDeckThatLoadsElseThePackagedOne() {
        upload(VERSIONED, "faults/good.csv", csv("44", "0.02", "USD"));
        upload(VERSIONED, "faults/gone.csv", csv("44", "0.03", "USD"));
        upload(VERSIONED, "faults/eur.csv", csv("44", "0.04", "EUR"));
        schedule(VERSIONED, "faults", "faults/good.csv", T);
        ScheduledRateDeck gone = schedule(VERSIONED, "faults", "faults/gone.csv", T.plusSeconds(10));
        schedule(VERSIONED, "faults", "faults/eur.csv", T.plusSeconds(20));
        deleteVersion(VERSIONED, gone.object()); // the version itself gone, not only hidden
        Catalogue catalogue = catalogue(VERSIONED, carrier("faults", "0.01"));

        assertThat(catalogue.perMinute("faults", T.plusSeconds(10))).as("gone").isEqualTo("0.02");
        assertThat(catalogue.perMinute("faults", T.plusSeconds(20))).as("EUR, the packaged deck's USD").isEqualTo("0.02");
        // Each counted once (tried again only after the refresh), overall and by carrier, for the alarm.
        catalogue.perMinute("faults", T.plusSeconds(21));
        assertThat(catalogue.metrics()).hasSize(2).allSatisfy(line -> assertThat(line)
                .contains("\"Namespace\":\"Calling\"", "\"Dimensions\":[[],[\"Carrier\"]]",
                        "\"Name\":\"RateDecksUnusable\"", "\"RateDecksUnusable\":1", "\"Carrier\":\"faults\""));
        assertThat(catalogue.metrics().get(0)).contains("\"deck\":\"faults/gone.csv\"");
        assertThat(catalogue.metrics().get(1)).contains("\"deck\":\"faults/eur.csv\"", "\"reason\":\"currency\"");

        upload(VERSIONED, "faults/only.csv", csv("44", "0.05", "USD"));
        schedule(VERSIONED, "faults-only", "faults/only.csv", T);
        deleteVersion(VERSIONED, table.schedule("faults-only", 1).get(0).object());
        Catalogue alone = catalogue(VERSIONED, carrier("faults-only", "0.01"));
        assertThat(alone.perMinute("faults-only", T.plusSeconds(1))).as("nothing earlier: packaged").isEqualTo("0.01");
    }

    @Test
    void aRefreshClockThatWentBackAsAfterASnapStartRestoreReadsTheScheduleAgain() {
        upload(VERSIONED, "restore/a.csv", csv("44", "0.02", "USD"));
        Catalogue catalogue = catalogue(VERSIONED, carrier("restore", "0.01"));
        assertThat(catalogue.perMinute("restore", T)).isEqualTo("0.01");
        schedule(VERSIONED, "restore", "restore/a.csv", T);

        catalogue.later(Duration.ofDays(-1));

        assertThat(catalogue.perMinute("restore", T)).isEqualTo("0.02");
    }

    @Test
    void aContainerWhoseCarriersHaveNoScheduledDeckNeverBuildsAnS3Client() {
        Catalogue catalogue = catalogue(VERSIONED, carrier("unscheduled", "0.01"));
        assertThat(catalogue.perMinute("unscheduled", T)).isEqualTo("0.01");
        assertThat(catalogue.s3Built()).hasValue(0);
    }

    static byte[] gzipBytes(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
