package dev.calling.infra;

import static dev.calling.infra.TestApp.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awscdk.assertions.Match;

/** The data stack holds exactly the tables, queues and buckets of Resources, as Resources defines them. */
class DataStackTest {

    static TestApp.Synthesised app;
    static JsonNode resources;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
        resources = app.dataJson().get("Resources");
    }

    static Stream<TableDefinition> tables() {
        return Resources.TABLES.stream();
    }

    static Stream<QueueDefinition> queues() {
        return Resources.QUEUES.stream();
    }

    @Test
    void oneTablePerDefinitionAndNoOther() {
        app.data().resourceCountIs("AWS::DynamoDB::Table", Resources.TABLES.size());
    }

    @ParameterizedTest
    @MethodSource("tables")
    void tableIsAsDefinedOnDemandWithPitrAndKeptOnDelete(TableDefinition definition) {
        JsonNode table = resources.get(PhysicalNames.pascal(definition.name()) + "Table");
        assertThat(table).as("stable logical id").isNotNull();
        assertThat(table.path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(table.path("UpdateReplacePolicy").asText()).isEqualTo("Retain");
        JsonNode props = table.get("Properties");
        assertThat(props.path("TableName").asText()).isEqualTo(PREFIX + definition.name());
        assertThat(props.path("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
        assertThat(props.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean()).isTrue();
        assertThat(props.path("DeletionProtectionEnabled").asBoolean()).isTrue();
        assertThat(keys(props.get("KeySchema")))
                .containsExactlyElementsOf(keys(definition.partitionKey(), definition.sortKey().orElse(null)));
        if (definition.ttlAttribute().isPresent()) {
            assertThat(props.at("/TimeToLiveSpecification/AttributeName").asText()).isEqualTo(definition.ttlAttribute().get());
            assertThat(props.at("/TimeToLiveSpecification/Enabled").asBoolean()).isTrue();
        } else {
            assertThat(props.has("TimeToLiveSpecification")).isFalse();
        }
        JsonNode indexes = props.path("GlobalSecondaryIndexes");
        assertThat(indexes.size()).isEqualTo(definition.indexes().size());
        for (IndexDefinition index : definition.indexes()) {
            JsonNode deployed = find(indexes, "IndexName", index.name());
            assertThat(keys(deployed.get("KeySchema")))
                    .containsExactlyElementsOf(keys(index.partitionKey(), index.sortKey().orElse(null)));
            assertThat(deployed.at("/Projection/ProjectionType").asText()).isEqualTo(index.projection().name());
        }
        props.get("AttributeDefinitions").forEach(a -> assertThat(a.path("AttributeType").asText()).isEqualTo("S"));
    }

    @Test
    void oneQueueAndOneDeadLetterQueuePerDefinition() {
        app.data().resourceCountIs("AWS::SQS::Queue", 2 * Resources.QUEUES.size());
    }

    @ParameterizedTest
    @MethodSource("queues")
    void queueIsAsDefinedWithItsDeadLetterQueueAndRedrive(QueueDefinition definition) {
        String id = PhysicalNames.pascal(definition.name()) + "Queue";
        JsonNode queue = resources.at("/" + id + "/Properties");
        JsonNode deadLetter = resources.at("/" + id + "Dlq/Properties");
        assertThat(queue.path("QueueName").asText()).isEqualTo(PREFIX + definition.name());
        assertThat(deadLetter.path("QueueName").asText()).isEqualTo(PREFIX + definition.deadLetterName());
        assertThat(queue.path("VisibilityTimeout").asLong()).isEqualTo(definition.visibilityTimeout().toSeconds());
        assertThat(queue.path("MessageRetentionPeriod").asLong()).isEqualTo(definition.retention().toSeconds());
        assertThat(deadLetter.path("MessageRetentionPeriod").asLong()).as("14 days to look at poison").isEqualTo(1_209_600);
        assertThat(queue.at("/RedrivePolicy/maxReceiveCount").asInt()).isEqualTo(definition.maxReceiveCount());
        assertThat(queue.at("/RedrivePolicy/deadLetterTargetArn/Fn::GetAtt/0").asText()).isEqualTo(id + "Dlq");
        for (JsonNode q : List.of(queue, deadLetter)) {
            assertThat(q.path("SqsManagedSseEnabled").asBoolean()).isTrue();
            assertThat(q.path("FifoQueue").asBoolean()).isEqualTo(definition.fifo());
        }
        if (definition.fifo()) {
            assertThat(queue.path("ContentBasedDeduplication").asBoolean()).isFalse();
            assertThat(queue.path("DeduplicationScope").asText()).isEqualTo("messageGroup");
            assertThat(queue.path("FifoThroughputLimit").asText()).isEqualTo("perMessageGroupId");
        }
    }

    @Test
    void everyQueueRefusesPlainHttp() {
        List<String> guarded = new ArrayList<>();
        app.resources(app.dataJson(), "AWS::SQS::QueuePolicy").forEach(policy -> {
            JsonNode statement = policy.getValue().at("/Properties/PolicyDocument/Statement/0");
            assertThat(statement.path("Effect").asText()).isEqualTo("Deny");
            assertThat(statement.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
            policy.getValue().at("/Properties/Queues").forEach(q -> guarded.add(q.path("Ref").asText()));
        });
        assertThat(guarded).hasSize(2 * Resources.QUEUES.size());
    }

    @Test
    void onlyTheMeetingEventsRuleMaySendAndOnlyToMeetingEvents() {
        List<String> allowedOn = new ArrayList<>();
        app.resources(app.dataJson(), "AWS::SQS::QueuePolicy").forEach(policy ->
                policy.getValue().at("/Properties/PolicyDocument/Statement").forEach(statement -> {
                    if (statement.path("Effect").asText().equals("Allow")) {
                        allowedOn.add(policy.getValue().at("/Properties/Queues/0/Ref").asText());
                        assertThat(statement.at("/Principal/Service").asText()).isEqualTo("events.amazonaws.com");
                        assertThat(statement.path("Action").asText()).isEqualTo("sqs:SendMessage");
                        assertThat(statement.at("/Resource/Fn::GetAtt/0").asText()).isEqualTo("MeetingEventsQueue");
                        assertThat(LeastPrivilegeTest.render(statement.at("/Condition/ArnEquals/aws:SourceArn")))
                                .as("the service stack's rule, by its fixed name")
                                .isEqualTo("arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/"
                                        + PREFIX + "meeting-events");
                    }
                }));
        assertThat(allowedOn).containsExactly("MeetingEventsQueue");
    }

    @Test
    void callMediaIsKeyedOnTheCallAndExpires() {
        JsonNode props = resources.at("/CallMediaTable/Properties");
        assertThat(keys(props.get("KeySchema"))).containsExactly("callId:HASH");
        assertThat(props.at("/TimeToLiveSpecification/AttributeName").asText()).isEqualTo("expiresAt");
        assertThat(props.has("GlobalSecondaryIndexes")).isFalse();
    }

    @Test
    void devicesAreOneItemPerUserPushMarkersExpireAndPushesGetThreeTries() {
        JsonNode devices = resources.at("/DevicesTable/Properties");
        assertThat(keys(devices.get("KeySchema"))).containsExactly("userId:HASH");
        assertThat(devices.has("TimeToLiveSpecification")).as("devices stay until unregistered").isFalse();
        JsonNode markers = resources.at("/PushMarkersTable/Properties");
        assertThat(markers.path("TableName").asText()).isEqualTo(PREFIX + "push-markers");
        assertThat(keys(markers.get("KeySchema"))).containsExactly("pushKey:HASH");
        assertThat(markers.at("/TimeToLiveSpecification/AttributeName").asText()).isEqualTo("expiresAt");
        for (JsonNode table : List.of(devices, markers)) {
            assertThat(table.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean()).isTrue();
            assertThat(table.has("SSESpecification")).as("encrypted at rest by DynamoDB's default, as every table").isFalse();
        }
        JsonNode pushes = resources.at("/CallPushesQueue/Properties");
        assertThat(pushes.path("QueueName").asText()).isEqualTo(PREFIX + "call-pushes");
        assertThat(pushes.path("FifoQueue").asBoolean()).as("a push outage holds back no call").isFalse();
        assertThat(pushes.path("VisibilityTimeout").asInt()).isEqualTo(30);
        assertThat(pushes.at("/RedrivePolicy/maxReceiveCount").asInt()).isEqualTo(3);
        assertThat(pushes.path("SqsManagedSseEnabled").asBoolean()).isTrue();
        assertThat(resources.at("/CallPushesQueueDlq/Properties/QueueName").asText()).isEqualTo(PREFIX + "call-pushes-dlq");
    }

    @Test
    void theDataBucketsAreTheBucketsOfResourcesAndTheAccessLogBucket() {
        app.data().resourceCountIs("AWS::S3::Bucket", Resources.BUCKETS.size() + 1);
        for (var bucket : Resources.BUCKETS) {
            assertThat(resources.get(PhysicalNames.pascal(bucket.name()) + "Bucket")).as("stable logical id").isNotNull();
        }
        assertThat(resources.get("AccessLogsBucket")).isNotNull();
    }

    @Test
    void exportBucketIsPrivateEncryptedVersionedLoggedAndAgesIntoCheaperStorage() {
        JsonNode props = privateEncryptedVersionedLoggedAndKept("BillingExportsBucket", "billing-exports/");
        assertThat(props.at("/LifecycleConfiguration/Rules").size()).isEqualTo(1);
        JsonNode rule = props.at("/LifecycleConfiguration/Rules/0");
        assertThat(rule.path("Status").asText()).isEqualTo("Enabled");
        assertThat(rule.path("ExpirationInDays").asInt()).isEqualTo(CallingConfig.DEFAULT_EXPORT_RETENTION_DAYS);
        assertThat(rule.path("NoncurrentVersionExpiration").path("NoncurrentDays").asInt()).isEqualTo(90);
        assertThat(rule.at("/AbortIncompleteMultipartUpload/DaysAfterInitiation").asInt()).isEqualTo(7);
        assertThat(rule.path("Transitions").findValuesAsText("StorageClass"))
                .containsExactly("STANDARD_IA", "GLACIER_IR");
        assertThat(rule.path("Transitions").findValues("TransitionInDays")).extracting(JsonNode::asInt)
                .containsExactly(30, 365);
    }

    @Test
    void rateDeckBucketIsPrivateEncryptedVersionedLoggedAndKeepsEveryVersion() {
        JsonNode props = privateEncryptedVersionedLoggedAndKept("RateDecksBucket", "rate-decks/");
        assertThat(LeastPrivilegeTest.render(props.path("BucketName")))
                .isEqualTo(PREFIX + "rate-decks-<AWS::AccountId>-<AWS::Region>");
        // A schedule names an object version, which may be noncurrent by now: nothing expires or moves, only the
        // parts of an interrupted upload are cleaned up.
        JsonNode rules = props.at("/LifecycleConfiguration/Rules");
        assertThat(rules.size()).isEqualTo(1);
        JsonNode rule = rules.get(0);
        assertThat(rule.path("Status").asText()).isEqualTo("Enabled");
        assertThat(rule.at("/AbortIncompleteMultipartUpload/DaysAfterInitiation").asInt()).isEqualTo(7);
        assertThat(FunctionsTest.fieldNames(rule)).containsExactlyInAnyOrder("Id", "Status", "AbortIncompleteMultipartUpload");
        assertThat(rule.toString()).doesNotContain("Expiration").doesNotContain("Transition");
    }

    @Test
    void aBucketWithoutALifecycleOfItsOwnIsRefused() {
        var unknown = new Resources.BucketDefinition("call-recordings");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new dev.calling.infra.data.Buckets(
                new software.amazon.awscdk.Stack(new software.amazon.awscdk.App(), "Guard"), "Buckets",
                PhysicalNames.of("guard"), 365, List.of(unknown)))
                .hasMessageContaining("call-recordings").hasMessageContaining("lifecycle");
    }

    /** What every data bucket is: private, SSE-S3, bucket-owner-enforced, versioned, access-logged, kept; its properties. */
    private static JsonNode privateEncryptedVersionedLoggedAndKept(String logicalId, String logPrefix) {
        JsonNode bucket = resources.get(logicalId);
        assertThat(bucket.path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(bucket.path("UpdateReplacePolicy").asText()).isEqualTo("Retain");
        JsonNode props = bucket.get("Properties");
        assertThat(props.at("/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm")
                .asText()).isEqualTo("AES256");
        JsonNode block = props.get("PublicAccessBlockConfiguration");
        assertThat(List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"))
                .allSatisfy(flag -> assertThat(block.path(flag).asBoolean()).as(flag).isTrue());
        assertThat(props.at("/VersioningConfiguration/Status").asText()).isEqualTo("Enabled");
        assertThat(props.at("/OwnershipControls/Rules/0/ObjectOwnership").asText()).isEqualTo("BucketOwnerEnforced");
        assertThat(props.at("/LoggingConfiguration/DestinationBucketName/Ref").asText()).isEqualTo("AccessLogsBucket");
        assertThat(props.at("/LoggingConfiguration/LogFilePrefix").asText()).isEqualTo(logPrefix);
        return props;
    }

    /** The longest region names there are (and two more characters for those to come). */
    static final List<String> LONGEST_REGIONS = List.of("ap-southeast-5", "ap-northeast-3", "eu-isoe-west-1",
            "us-isob-east-1", "us-gov-west-1", "ap-southeast-7-x");

    @Test
    void everyBucketNameFitsS3sLimitForEveryStageInTheLongestRegions() {
        for (int length = 1; length <= 12; length++) {
            PhysicalNames names = PhysicalNames.of("s" + "x".repeat(length - 1));
            for (var bucket : Resources.BUCKETS) {
                for (String region : LONGEST_REGIONS) {
                    String name = names.bucketName(bucket, "123456789012", region);
                    assertThat(name).as("stage of %d characters in %s", length, region).hasSizeLessThanOrEqualTo(63)
                            .matches("[a-z0-9][a-z0-9-]*[a-z0-9]");
                }
            }
        }
        // A stage that always fitted keeps its name (a new name would be a new, empty bucket).
        assertThat(PhysicalNames.of("prod").bucketName(Resources.BILLING_EXPORTS, "123456789012", "ap-southeast-5"))
                .isEqualTo("calling-prod-billing-exports-123456789012-ap-southeast-5");
        assertThat(PhysicalNames.of("integration1").bucketName(Resources.BILLING_EXPORTS, "123456789012", "ap-southeast-5"))
                .isEqualTo("calling-integration1-billing-123456789012-ap-southeast-5");
        // The rate decks' bucket keeps its whole name for every stage of up to 12 characters.
        assertThat(PhysicalNames.of("integration1").bucketName(Resources.RATE_DECK_OBJECTS, "123456789012", "ap-southeast-5"))
                .isEqualTo("calling-integration1-rate-decks-123456789012-ap-southeast-5");
    }

    @Test
    void theTemplatesBucketNameIsTheShortOneForALongStageInBothStacks() {
        TestApp.Synthesised longStage = TestApp.synthesise(Map.of("stage", "integration1"));
        String name = LeastPrivilegeTest.render(longStage.dataJson()
                .at("/Resources/BillingExportsBucket/Properties/BucketName"));
        assertThat(name).isEqualTo("calling-integration1-billing-<AWS::AccountId>-<AWS::Region>");
        assertThat(longStage.serviceJson().toString()).contains("calling-integration1-billing-")
                .doesNotContain("calling-integration1-billing-exports");
    }

    @Test
    void theUserPoolMailsThroughSesWhenAVerifiedIdentityIsGivenAndThroughCognitoOtherwise() {
        assertThat(resources.get("UserPool").at("/Properties/EmailConfiguration").isMissingNode()
                || resources.get("UserPool").at("/Properties/EmailConfiguration/EmailSendingAccount").asText()
                        .equals("COGNITO_DEFAULT")).as("Cognito's own sender without SES context").isTrue();

        TestApp.Synthesised ses = TestApp.synthesise(Map.of("stage", "ses", "cognitoEmailFrom", "no-reply@calling.example",
                "cognitoEmailFromName", "Calling", "cognitoEmailReplyTo", "support@calling.example",
                "cognitoSesRegion", "eu-west-1"));
        JsonNode mail = ses.dataJson().at("/Resources/UserPool/Properties/EmailConfiguration");
        assertThat(mail.path("EmailSendingAccount").asText()).isEqualTo("DEVELOPER");
        assertThat(mail.path("From").asText()).isEqualTo("Calling <no-reply@calling.example>");
        assertThat(mail.path("ReplyToEmailAddress").asText()).isEqualTo("support@calling.example");
        assertThat(LeastPrivilegeTest.render(mail.path("SourceArn")))
                .isEqualTo("arn:<AWS::Partition>:ses:eu-west-1:<AWS::AccountId>:identity/no-reply@calling.example");

        // The identity in the region deployed to, by default; a verified domain instead of the address.
        JsonNode domain = TestApp.synthesise(Map.of("stage", "ses", "cognitoEmailFrom", "no-reply@calling.example",
                "cognitoSesVerifiedDomain", "calling.example"), java.util.Optional.of("us-west-2")).dataJson()
                .at("/Resources/UserPool/Properties/EmailConfiguration");
        assertThat(LeastPrivilegeTest.render(domain.path("SourceArn")))
                .isEqualTo("arn:<AWS::Partition>:ses:us-west-2:<AWS::AccountId>:identity/calling.example");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestApp.synthesise(Map.of("stage", "ses",
                "cognitoEmailFrom", "no-reply@calling.example"))).hasMessageContaining("cognitoSesRegion");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestApp.synthesise(Map.of("stage", "ses",
                "cognitoSesRegion", "eu-west-1"))).hasMessageContaining("without cognitoEmailFrom");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestApp.synthesise(Map.of("stage", "ses",
                "cognitoEmailFrom", "not an address", "cognitoSesRegion", "eu-west-1")))
                .hasMessageContaining("cognitoEmailFrom");
    }

    @Test
    void bucketPoliciesDenyPlainHttpAndOldTls() {
        for (String bucket : List.of("BillingExportsBucket", "RateDecksBucket")) {
            app.data().hasResourceProperties("AWS::S3::BucketPolicy", Map.of(
                    "Bucket", Map.of("Ref", bucket),
                    "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(
                            Match.objectLike(Map.of("Effect", "Deny",
                                    "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))),
                            Match.objectLike(Map.of("Effect", "Deny",
                                    "Condition", Map.of("NumericLessThan", Map.of("s3:TlsVersion", 1.2))))))))));
        }
        app.data().hasResourceProperties("AWS::S3::BucketPolicy", Map.of(
                "Bucket", Map.of("Ref", "AccessLogsBucket"),
                "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(
                        Match.objectLike(Map.of("Effect", "Deny",
                                "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false"))))))))));
    }

    @Test
    void userPoolIsKeptAndItsMobileClientHasNoSecret() {
        JsonNode pool = resources.get("UserPool");
        assertThat(pool.path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(pool.at("/Properties/DeletionProtection").asText()).isEqualTo("ACTIVE");
        assertThat(pool.at("/Properties/Policies/PasswordPolicy/MinimumLength").asInt()).isGreaterThanOrEqualTo(12);
        JsonNode client = resources.at("/UserPoolMobileAppClient/Properties");
        assertThat(client.path("GenerateSecret").asBoolean()).isFalse();
        assertThat(textValues(client.path("ExplicitAuthFlows"))).contains("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH");
        app.data().hasResourceProperties("AWS::SSM::Parameter", Map.of("Name", "/calling-test/user-pool-id",
                "Value", Map.of("Ref", "UserPool")));
        app.data().hasResourceProperties("AWS::SSM::Parameter", Map.of("Name", "/calling-test/user-pool-client-id",
                "Value", Map.of("Ref", "UserPoolMobileAppClient")));
    }

    @Test
    void dataStackIsTerminationProtectedAndOutputsEveryQueueUrlAndBucketName() {
        assertThat(app.stacks().data().getTerminationProtection()).isTrue();
        for (QueueDefinition queue : Resources.QUEUES) {
            assertThat(app.dataJson().at("/Outputs/" + PhysicalNames.pascal(queue.name()) + "QueueUrl/Value/Ref").asText())
                    .isEqualTo(PhysicalNames.pascal(queue.name()) + "Queue");
        }
        // Finance's exports, and where operators upload carriers' rate decks (infra-cdk/README.md).
        assertThat(app.dataJson().at("/Outputs/BillingExportsBucketName/Value/Ref").asText()).isEqualTo("BillingExportsBucket");
        JsonNode rateDecks = app.dataJson().at("/Outputs/RateDecksBucketName");
        assertThat(rateDecks.at("/Value/Ref").asText()).isEqualTo("RateDecksBucket");
        assertThat(rateDecks.path("Description").asText()).contains("rate deck");
    }

    private static List<String> keys(JsonNode schema) {
        List<String> keys = new ArrayList<>();
        schema.forEach(k -> keys.add(k.path("AttributeName").asText() + ":" + k.path("KeyType").asText()));
        return keys;
    }

    private static List<String> keys(String partitionKey, String sortKey) {
        return sortKey == null ? List.of(partitionKey + ":HASH") : List.of(partitionKey + ":HASH", sortKey + ":RANGE");
    }

    private static List<String> textValues(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode element : array) {
            if (element.path(field).asText().equals(value)) {
                return element;
            }
        }
        throw new AssertionError("no element with " + field + "=" + value + " in " + array);
    }
}
