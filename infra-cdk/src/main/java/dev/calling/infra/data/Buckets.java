package dev.calling.infra.data;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * The buckets of {@link Resources#BUCKETS}: finance's records (the daily billing exports) and the carriers' rate
 * decks operators upload. Each is private, encrypted, TLS 1.2+ only, versioned, access-logged and kept when the
 * stack is deleted; how long its objects live is its own ({@link #lifecycle}): billing exports move to cheaper
 * storage as they age and expire after finance's retention, rate decks are kept.
 */
public final class Buckets extends Construct {

    /** Finance reconciles the recent days; after that the exports are read rarely. */
    static final Duration INFREQUENT_ACCESS_AFTER = Duration.days(30);
    /** Older exports are audit material: Glacier Instant Retrieval still serves them in milliseconds. */
    static final Duration GLACIER_AFTER = Duration.days(365);

    private final Bucket accessLogs;
    private final Map<String, Bucket> byName = new LinkedHashMap<>();

    public Buckets(Construct scope, String id, PhysicalNames names, int retentionDays) {
        this(scope, id, names, retentionDays, Resources.BUCKETS);
    }

    public Buckets(Construct scope, String id, PhysicalNames names, int retentionDays,
            List<BucketDefinition> definitions) {
        super(scope, id);
        // Server access logs need SSE-S3 on the target bucket; kept for a year for audits.
        accessLogs = Bucket.Builder.create(this, "AccessLogs")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_PREFERRED)
                .lifecycleRules(List.of(LifecycleRule.builder().id("expire-access-logs")
                        .expiration(Duration.days(365)).build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        ((CfnBucket) accessLogs.getNode().getDefaultChild()).overrideLogicalId("AccessLogsBucket");
        Nag.suppress(accessLogs, "S1", "This is the server access log bucket of the data buckets (billing"
                + " exports, rate decks); logging its own accesses into itself would loop.");

        for (BucketDefinition definition : definitions) {
            String logicalId = PhysicalNames.pascal(definition.name()) + "Bucket";
            Bucket bucket = Bucket.Builder.create(this, logicalId)
                    .bucketName(names.bucket(definition))
                    .encryption(BucketEncryption.S3_MANAGED)
                    .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                    .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                    .enforceSsl(true)
                    .minimumTlsVersion(1.2)
                    // Billing exports: a re-run of a day overwrites its objects; versions keep what finance saw
                    // before. Rate decks: a schedule names the object version it validated, so an upload to the
                    // same key never changes a deck already scheduled.
                    .versioned(true)
                    .serverAccessLogsBucket(accessLogs)
                    .serverAccessLogsPrefix(definition.name() + "/")
                    .lifecycleRules(lifecycle(definition, retentionDays))
                    .removalPolicy(RemovalPolicy.RETAIN)
                    .build();
            ((CfnBucket) bucket.getNode().getDefaultChild()).overrideLogicalId(logicalId);
            byName.put(definition.name(), bucket);
        }
    }

    /**
     * How long a bucket's objects live, per bucket of Resources: a new bucket must be given its rules here (the
     * synth fails otherwise), since the right retention differs (finance's records expire after years; a rate
     * deck must outlive every schedule that names its version).
     */
    static List<LifecycleRule> lifecycle(BucketDefinition definition, int retentionDays) {
        if (definition.name().equals(Resources.BILLING_EXPORTS.name())) {
            return List.of(LifecycleRule.builder().id("finance-retention")
                    .transitions(List.of(
                            Transition.builder().storageClass(StorageClass.INFREQUENT_ACCESS)
                                    .transitionAfter(INFREQUENT_ACCESS_AFTER).build(),
                            Transition.builder().storageClass(StorageClass.GLACIER_INSTANT_RETRIEVAL)
                                    .transitionAfter(GLACIER_AFTER).build()))
                    .expiration(Duration.days(retentionDays))
                    .noncurrentVersionExpiration(Duration.days(90))
                    // The export uploads in parts; a crashed run must not leave parts billed forever.
                    .abortIncompleteMultipartUploadAfter(Duration.days(7))
                    .build());
        }
        if (definition.name().equals(Resources.RATE_DECK_OBJECTS.name())) {
            // No expiry of objects nor of noncurrent versions: a schedule may name a version that a later upload
            // to the same key made noncurrent, and the CallStateManager reads that version until a later deck
            // takes effect; S3 cannot tell which versions a schedule names. Decks are a few MB each, a handful a
            // month, and the versions double as the record of what priced calls when. No transitions either: each
            // CallStateManager container reads the decks in effect, and Standard-IA would charge every read.
            // Only what an interrupted upload (`aws s3 cp` uploads large files in parts) leaves behind is removed.
            return List.of(LifecycleRule.builder().id("abandoned-uploads")
                    .abortIncompleteMultipartUploadAfter(Duration.days(7))
                    .build());
        }
        throw new IllegalArgumentException("bucket " + definition.name() + " of Resources has no lifecycle: say in"
                + " Buckets.lifecycle how long its objects are kept");
    }

    public Bucket bucket(BucketDefinition definition) {
        return byName.get(definition.name());
    }

    public Bucket accessLogs() {
        return accessLogs;
    }
}
