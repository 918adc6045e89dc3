package dev.calling.infra.localstack;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.BucketDefinition;
import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes {@code localstack/init/ready.d/10-calling-resources.sh}, the LocalStack init script that
 * creates every table, queue (with its dead-letter queue and redrive policy) and bucket of
 * {@link Resources}, with the same names and settings as {@code ResourceProvisioner} creates them
 * for the local run. The script is generated and committed; a test fails when it differs from
 * what this class generates now, so Resources and LocalStack cannot drift.
 *
 * <p>Regenerate: {@code ./mvnw -q -pl infra-cdk exec:java -Dexec.mainClass=dev.calling.infra.localstack.LocalStackInitScript}
 */
public final class LocalStackInitScript {

    /** Where the script lives, relative to the repository root. */
    public static final Path LOCATION = Path.of("localstack", "init", "ready.d", "10-calling-resources.sh");

    private LocalStackInitScript() {}

    public static void main(String[] args) throws IOException {
        Path root = args.length > 0 ? Path.of(args[0]) : findRoot();
        Path script = root.resolve(LOCATION);
        Files.createDirectories(script.getParent());
        Files.writeString(script, render());
        try {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: LocalStack runs the script with bash anyway.
        }
        System.out.println("wrote " + script);
    }

    public static String render() {
        return render(Resources.TABLES, Resources.QUEUES, Resources.BUCKETS);
    }

    static String render(List<TableDefinition> tables, List<QueueDefinition> queues, List<BucketDefinition> buckets) {
        StringBuilder out = new StringBuilder();
        out.append("""
                #!/usr/bin/env bash
                # GENERATED from functions/aws-adapters/src/main/java/dev/calling/adapters/Resources.java by
                # infra-cdk's dev.calling.infra.localstack.LocalStackInitScript. Do not edit: change Resources and run
                #   ./mvnw -q -pl infra-cdk exec:java -Dexec.mainClass=dev.calling.infra.localstack.LocalStackInitScript
                # (infra-cdk's LocalStackInitScriptTest fails while this file and Resources differ).
                #
                # Creates every table, queue (with its dead-letter queue and redrive policy) and bucket of the calling
                # backend, named as in Resources (no stage prefix: the functions' defaults), as ResourceProvisioner
                # creates them for the local run. LocalStack runs it from /etc/localstack/init/ready.d when it is ready;
                # it can also be run against any endpoint: AWS="aws --endpoint-url http://localhost:4566" ./10-calling-resources.sh
                set -euo pipefail

                AWS="${AWS:-awslocal}"

                # table NAME TTL_ATTRIBUTE|- CREATE_TABLE_ARGUMENTS...  (on demand; skipped if it exists)
                table() {
                  local name="$1" ttl="$2"
                  shift 2
                  if $AWS dynamodb describe-table --table-name "$name" >/dev/null 2>&1; then
                    echo "table $name exists"
                    return
                  fi
                  $AWS dynamodb create-table --table-name "$name" --billing-mode PAY_PER_REQUEST "$@" >/dev/null
                  $AWS dynamodb wait table-exists --table-name "$name"
                  if [ "$ttl" != "-" ]; then
                    $AWS dynamodb update-time-to-live --table-name "$name" \\
                      --time-to-live-specification "Enabled=true,AttributeName=$ttl" >/dev/null
                  fi
                  echo "table $name created"
                }

                # queue NAME DEAD_LETTER_NAME fifo|standard VISIBILITY_SECONDS RETENTION_SECONDS MAX_RECEIVE_COUNT
                queue() {
                  local name="$1" dead_letter="$2" kind="$3" visibility="$4" retention="$5" max_receive="$6"
                  local fifo=""
                  if [ "$kind" = fifo ]; then
                    fifo=',"FifoQueue":"true","ContentBasedDeduplication":"false"'
                  fi
                  local dlq_url dlq_arn redrive
                  dlq_url=$($AWS sqs create-queue --queue-name "$dead_letter" \\
                    --attributes "{\\"MessageRetentionPeriod\\":\\"$retention\\"$fifo}" --query QueueUrl --output text)
                  dlq_arn=$($AWS sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn \\
                    --query Attributes.QueueArn --output text)
                  redrive="{\\\\\\"deadLetterTargetArn\\\\\\":\\\\\\"$dlq_arn\\\\\\",\\\\\\"maxReceiveCount\\\\\\":\\\\\\"$max_receive\\\\\\"}"
                  $AWS sqs create-queue --queue-name "$name" --attributes \\
                    "{\\"MessageRetentionPeriod\\":\\"$retention\\",\\"VisibilityTimeout\\":\\"$visibility\\",\\"RedrivePolicy\\":\\"$redrive\\"$fifo}" \\
                    >/dev/null
                  echo "queue $name created (dead letters to $dead_letter after $max_receive receives)"
                }

                # bucket NAME  (private, versioned as in AWS: a rate deck's schedule names an object version;
                # skipped if it exists)
                bucket() {
                  if $AWS s3api head-bucket --bucket "$1" >/dev/null 2>&1; then
                    echo "bucket $1 exists"
                    return
                  fi
                  $AWS s3api create-bucket --bucket "$1" >/dev/null
                  $AWS s3api put-bucket-versioning --bucket "$1" --versioning-configuration Status=Enabled
                  echo "bucket $1 created (versioned)"
                }

                """);
        out.append("# Tables\n");
        for (TableDefinition table : tables) {
            out.append(table(table)).append('\n');
        }
        out.append("\n# Queues\n");
        for (QueueDefinition queue : queues) {
            out.append("queue ").append(queue.name()).append(' ').append(queue.deadLetterName()).append(' ')
                    .append(queue.fifo() ? "fifo" : "standard").append(' ')
                    .append(queue.visibilityTimeout().toSeconds()).append(' ')
                    .append(queue.retention().toSeconds()).append(' ')
                    .append(queue.maxReceiveCount()).append('\n');
        }
        out.append("\n# Buckets\n");
        for (BucketDefinition bucket : buckets) {
            out.append("bucket ").append(bucket.name()).append('\n');
        }
        out.append("\necho \"calling resources ready\"\n");
        return out.toString();
    }

    private static String table(TableDefinition table) {
        Set<String> attributes = new LinkedHashSet<>();
        attributes.add(table.partitionKey());
        table.sortKey().ifPresent(attributes::add);
        for (IndexDefinition index : table.indexes()) {
            attributes.add(index.partitionKey());
            index.sortKey().ifPresent(attributes::add);
        }
        List<String> lines = new ArrayList<>();
        lines.add("table " + table.name() + " " + table.ttlAttribute().orElse("-"));
        lines.add("  --attribute-definitions " + attributes.stream()
                .map(name -> "AttributeName=" + name + ",AttributeType=S").collect(Collectors.joining(" ")));
        lines.add("  --key-schema " + keySchema(table.partitionKey(), table.sortKey().orElse(null), " "));
        if (!table.indexes().isEmpty()) {
            lines.add("  --global-secondary-indexes '[" + table.indexes().stream().map(index -> "{\"IndexName\":\""
                    + index.name() + "\",\"KeySchema\":[" + keySchemaJson(index) + "],\"Projection\":{\"ProjectionType\":\""
                    + index.projection().name() + "\"}}").collect(Collectors.joining(",")) + "]'");
        }
        return String.join(" \\\n", lines);
    }

    private static String keySchema(String partitionKey, String sortKey, String separator) {
        String schema = "AttributeName=" + partitionKey + ",KeyType=HASH";
        return sortKey == null ? schema : schema + separator + "AttributeName=" + sortKey + ",KeyType=RANGE";
    }

    private static String keySchemaJson(IndexDefinition index) {
        String schema = "{\"AttributeName\":\"" + index.partitionKey() + "\",\"KeyType\":\"HASH\"}";
        return index.sortKey().map(sk -> schema + ",{\"AttributeName\":\"" + sk + "\",\"KeyType\":\"RANGE\"}")
                .orElse(schema);
    }

    private static Path findRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("localstack")) && Files.isDirectory(dir.resolve("infra-cdk"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run from the repository or one of its modules");
    }
}
