package dev.calling.infra;

import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import java.util.Locale;
import software.amazon.awscdk.Aws;

/**
 * The names tables, queues and buckets get in AWS: {@code calling-<stage>-} before the name
 * {@link dev.calling.adapters.Resources} gives them, so an operator finds the {@code calls} table
 * as {@code calling-prod-calls} and several stages can share an account.
 *
 * <p>Why fixed names instead of names CDK derives: (1) the service stack finds the data stack's
 * resources by name, so the two stacks share no CloudFormation exports that could block a later
 * change; (2) CloudFormation refuses to replace a resource with a fixed name, so a change that
 * would replace a table (a new key) fails loudly instead of orphaning the data; (3) readable
 * names in the console, in alarms and for finance. The functions get every name through their
 * environment ({@code CALLING_TABLES_CALLS=calling-prod-calls}), never from a default.
 */
public record PhysicalNames(String prefix) {

    public static PhysicalNames of(String stage) {
        return new PhysicalNames("calling-" + stage);
    }

    public String table(TableDefinition table) {
        return prefix + "-" + table.name();
    }

    /** FIFO names keep their {@code .fifo} suffix at the end, as SQS requires. */
    public String queue(QueueDefinition queue) {
        return prefix + "-" + queue.name();
    }

    public String deadLetterQueue(QueueDefinition queue) {
        return prefix + "-" + queue.deadLetterName();
    }

    /** S3's limit on a bucket name. */
    public static final int BUCKET_NAME_LIMIT = 63;
    /**
     * The longest region name a bucket name must leave room for: the longest today are 14 characters
     * ({@code ap-southeast-5}, {@code ap-northeast-3}, {@code eu-isoe-west-1}); two more for regions to come.
     * The stacks are environment-agnostic: the region is only known at deploy time.
     */
    public static final int LONGEST_REGION = 16;
    static final int ACCOUNT_ID_LENGTH = 12;

    /**
     * Bucket names are global: account and region make them unique (tokens, resolved at deploy time):
     * {@code calling-<stage>-billing-exports-<account>-<region>}. Where a long stage would leave that more than
     * S3's 63 characters in a region of the longest name, the bucket's name loses its last words until it fits
     * ({@code calling-<stage>-billing-<account>-<region>}); a stage that fits keeps the name it always had.
     */
    public String bucket(BucketDefinition bucket) {
        return bucketName(bucket, Aws.ACCOUNT_ID, Aws.REGION);
    }

    /** {@link #bucket} with the account and region given (tokens in the stacks, values in the tests). */
    public String bucketName(BucketDefinition bucket, String account, String region) {
        return prefix + "-" + bucketLabel(bucket) + "-" + account + "-" + region;
    }

    private String bucketLabel(BucketDefinition bucket) {
        int room = BUCKET_NAME_LIMIT - (prefix.length() + 1 + 1 + ACCOUNT_ID_LENGTH + 1 + LONGEST_REGION);
        String label = bucket.name();
        while (label.length() > room && label.contains("-")) {
            label = label.substring(0, label.lastIndexOf('-'));
        }
        if (label.length() > room) {
            throw new IllegalArgumentException("bucket " + bucket.name() + " of " + prefix + " cannot fit S3's "
                    + BUCKET_NAME_LIMIT + " characters: choose a shorter stage");
        }
        return label;
    }

    /** An SSM parameter the data stack writes and the service stack reads (ids CDK cannot derive from a name). */
    public String parameter(String name) {
        return "/" + prefix + "/" + name;
    }

    public String stack(String part) {
        return prefix + "-" + part;
    }

    /** {@code calls} to {@code CallsTable}-style ids: stable logical ids for stateful resources. */
    public static String pascal(String name) {
        StringBuilder out = new StringBuilder();
        for (String word : name.replace(".fifo", "").split("[-_.]")) {
            if (!word.isEmpty()) {
                out.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
            }
        }
        return out.toString();
    }

    /** The environment variable MicroProfile Config reads for a property: {@code calling.tables.call-requests} to {@code CALLING_TABLES_CALL_REQUESTS}. */
    public static String environmentVariable(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The property a function reads a table's name from: {@code calling.tables.<name>}. */
    public static String tableProperty(TableDefinition table) {
        return "calling.tables." + table.name();
    }

    /** The property a function reads a queue's URL from: {@code calling.queues.<name without .fifo>}. */
    public static String queueProperty(QueueDefinition queue) {
        return "calling.queues." + queue.name().replace(".fifo", "");
    }

    public static String bucketProperty(BucketDefinition bucket) {
        return "calling.buckets." + bucket.name();
    }
}
