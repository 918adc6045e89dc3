package dev.calling.infra.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed LocalStack init script is the one generated from Resources, and running it (with a
 * stand-in for the AWS CLI that records each call) creates exactly the tables, queues and buckets
 * Resources defines, with valid attributes. No Docker needed.
 */
class LocalStackInitScriptTest {

    static final Path SCRIPT = Path.of("..").resolve(LocalStackInitScript.LOCATION);
    static final ObjectMapper JSON = new ObjectMapper();

    static List<List<String>> calls;

    @BeforeAll
    static void runTheScriptAgainstARecordingAwsCli(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("calls.log");
        Path fakeAws = dir.resolve("aws");
        // Records its arguments (one call per line, arguments separated by US) and answers like the CLI:
        // nothing exists yet; create-queue prints a URL, get-queue-attributes an ARN.
        Files.writeString(fakeAws, """
                #!/usr/bin/env bash
                printf '%s\\x1f' "$@" >> "$CALLS_LOG"; printf '\\n' >> "$CALLS_LOG"
                case "$1 $2" in
                  "dynamodb describe-table"|"s3api head-bucket") exit 254 ;;
                  "sqs create-queue") echo "http://localhost:4566/000000000000/$4" ;;
                  "sqs get-queue-attributes") echo "arn:aws:sqs:us-east-1:000000000000:${4##*/}" ;;
                esac
                """);
        Files.setPosixFilePermissions(fakeAws, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder run = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true);
        run.environment().put("AWS", fakeAws.toString());
        run.environment().put("CALLS_LOG", log.toString());
        Process process = run.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).endsWith("calling resources ready\n");
        calls = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            calls.add(Arrays.asList(line.split("\u001f")));
        }
    }

    @Test
    void committedScriptIsTheOneGeneratedFromResources() throws IOException {
        assertThat(Files.readString(SCRIPT)).as("regenerate " + LocalStackInitScript.LOCATION
                + " with LocalStackInitScript (see its javadoc)").isEqualTo(LocalStackInitScript.render());
        assertThat(Files.isExecutable(SCRIPT)).as("LocalStack runs only executable init scripts").isTrue();
    }

    @Test
    void createsEveryTableWithItsKeysIndexesAndTtl() throws IOException {
        List<List<String>> creates = calls("dynamodb", "create-table");
        assertThat(creates).extracting(c -> option(c, "--table-name"))
                .containsExactlyElementsOf(Resources.TABLES.stream().map(TableDefinition::name).toList());
        for (TableDefinition table : Resources.TABLES) {
            List<String> create = creates.stream().filter(c -> option(c, "--table-name").equals(table.name()))
                    .findFirst().orElseThrow();
            assertThat(option(create, "--billing-mode")).isEqualTo("PAY_PER_REQUEST");
            assertThat(create).contains("AttributeName=" + table.partitionKey() + ",KeyType=HASH");
            table.sortKey().ifPresent(sk -> assertThat(create).contains("AttributeName=" + sk + ",KeyType=RANGE"));
            if (table.indexes().isEmpty()) {
                assertThat(create).doesNotContain("--global-secondary-indexes");
            } else {
                JsonNode indexes = JSON.readTree(option(create, "--global-secondary-indexes"));
                assertThat(indexes.findValuesAsText("IndexName"))
                        .containsExactlyElementsOf(table.indexes().stream().map(IndexDefinition::name).toList());
                for (IndexDefinition index : table.indexes()) {
                    JsonNode deployed = indexes.get(table.indexes().indexOf(index));
                    assertThat(deployed.at("/KeySchema/0/AttributeName").asText()).isEqualTo(index.partitionKey());
                    assertThat(deployed.at("/Projection/ProjectionType").asText()).isEqualTo(index.projection().name());
                }
            }
        }
        assertThat(calls("dynamodb", "update-time-to-live")).extracting(c -> option(c, "--table-name") + " "
                + option(c, "--time-to-live-specification")).containsExactlyElementsOf(Resources.TABLES.stream()
                .filter(t -> t.ttlAttribute().isPresent())
                .map(t -> t.name() + " Enabled=true,AttributeName=" + t.ttlAttribute().get()).toList());
    }

    @Test
    void createsEveryQueueAfterItsDeadLetterQueueWithTheRedrivePolicy() throws IOException {
        List<List<String>> creates = calls("sqs", "create-queue");
        assertThat(creates).hasSize(2 * Resources.QUEUES.size());
        for (int i = 0; i < Resources.QUEUES.size(); i++) {
            QueueDefinition queue = Resources.QUEUES.get(i);
            List<String> deadLetter = creates.get(2 * i);
            List<String> main = creates.get(2 * i + 1);
            assertThat(option(deadLetter, "--queue-name")).isEqualTo(queue.deadLetterName());
            assertThat(option(main, "--queue-name")).isEqualTo(queue.name());
            JsonNode attributes = JSON.readTree(option(main, "--attributes"));
            assertThat(attributes.path("VisibilityTimeout").asText()).isEqualTo(Long.toString(queue.visibilityTimeout().toSeconds()));
            assertThat(attributes.path("MessageRetentionPeriod").asText()).isEqualTo(Long.toString(queue.retention().toSeconds()));
            JsonNode redrive = JSON.readTree(attributes.path("RedrivePolicy").asText());
            assertThat(redrive.path("deadLetterTargetArn").asText()).endsWith(":" + queue.deadLetterName());
            assertThat(redrive.path("maxReceiveCount").asText()).isEqualTo(Integer.toString(queue.maxReceiveCount()));
            for (JsonNode attrs : List.of(attributes, JSON.readTree(option(deadLetter, "--attributes")))) {
                assertThat(attrs.path("FifoQueue").asText()).isEqualTo(queue.fifo() ? "true" : "");
                assertThat(attrs.path("ContentBasedDeduplication").asText()).isEqualTo(queue.fifo() ? "false" : "");
            }
        }
    }

    @Test
    void createsEveryBucketVersionedAsInAws() {
        List<String> buckets = Resources.BUCKETS.stream().map(Resources.BucketDefinition::name).toList();
        assertThat(buckets).contains(Resources.RATE_DECK_OBJECTS.name());
        assertThat(calls("s3api", "create-bucket")).extracting(c -> option(c, "--bucket"))
                .containsExactlyElementsOf(buckets);
        // A rate deck's schedule names the object version it validated: without versioning there is none.
        assertThat(calls("s3api", "put-bucket-versioning")).extracting(c -> option(c, "--bucket") + " "
                + option(c, "--versioning-configuration"))
                .containsExactlyElementsOf(buckets.stream().map(name -> name + " Status=Enabled").toList());
    }

    private static List<List<String>> calls(String service, String operation) {
        return calls.stream().filter(c -> c.size() > 1 && c.get(0).equals(service) && c.get(1).equals(operation)).toList();
    }

    private static String option(List<String> call, String name) {
        int at = call.indexOf(name);
        return at < 0 ? "" : call.get(at + 1);
    }
}
