package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each function's role allows exactly its own tables, indexes, queues and actions: the whole
 * policy is compared, so a grant added by mistake fails here as surely as a missing one.
 */
class LeastPrivilegeTest {

    static final Set<String> READ = Set.of("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
            "dynamodb:ConditionCheckItem");
    static final Set<String> WRITE = union(READ, Set.of("dynamodb:PutItem", "dynamodb:UpdateItem"));
    static final Set<String> SEND = Set.of("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl");
    static final Set<String> CONSUME = Set.of("sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl",
            "sqs:DeleteMessage", "sqs:GetQueueAttributes");
    static final Set<String> LOGS = Set.of("logs:CreateLogStream", "logs:PutLogEvents");
    /** Putting a message into a queue, without learning its URL or attributes. */
    static final Set<String> SEND_ONLY = Set.of("sqs:SendMessage");
    /** DlqRedrive on a dead-letter queue: find, count, receive, delete what it moved, release the rest. */
    static final Set<String> REDRIVE_FROM = Set.of("sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ReceiveMessage",
            "sqs:DeleteMessage", "sqs:ChangeMessageVisibility");
    /** DlqRedrive on a queue: find it, send the messages back. */
    static final Set<String> REDRIVE_TO = Set.of("sqs:GetQueueUrl", "sqs:SendMessage");
    /** Reading a secret's current value, and nothing else of Secrets Manager. */
    static final Set<String> GET_SECRET = Set.of("secretsmanager:GetSecretValue");

    static TestApp.Synthesised app;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
    }

    /** What the PushSender does on an SNS platform application's endpoints (each request names the endpoint). */
    static final Set<String> PUSH_TO_ENDPOINTS = Set.of("sns:SetEndpointAttributes", "sns:Publish", "sns:DeleteEndpoint");

    @Test
    void pushSenderConsumesItsQueueKeepsDevicesAndMarkersAndPublishesOnlyToTheConfiguredApplications() {
        assertThat(access("PushSender")).isEqualTo(expected(
                // A user's devices are one item: read, and rewritten (version-guarded) to drop a rejected token.
                "table:devices", WRITE,
                // A marker per push, deleted again when SNS certainly sent nothing.
                "table:push-markers", union(WRITE, Set.of("dynamodb:DeleteItem")),
                "queue:call-pushes", CONSUME, "queue:call-pushes-dlq", SEND_ONLY,
                "sns:app/APNS_VOIP/CallingVoip", Set.of("sns:CreatePlatformEndpoint"),
                "sns:app/GCM/CallingAndroid", Set.of("sns:CreatePlatformEndpoint"),
                "sns:endpoint/APNS_VOIP/CallingVoip/*", PUSH_TO_ENDPOINTS,
                "sns:endpoint/GCM/CallingAndroid/*", PUSH_TO_ENDPOINTS));
        // Statement by statement: the one delete is on the markers' table alone (merged by minimizePolicies into
        // that table's statement, which names nothing else), SNS in two statements.
        assertThat(statements("PushSender")).contains(
                "[dynamodb:BatchGetItem, dynamodb:ConditionCheckItem, dynamodb:DeleteItem, dynamodb:GetItem,"
                        + " dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem] on [table:push-markers]",
                "[sns:CreatePlatformEndpoint] on [sns:app/APNS_VOIP/CallingVoip, sns:app/GCM/CallingAndroid]",
                "[sns:DeleteEndpoint, sns:Publish, sns:SetEndpointAttributes] on"
                        + " [sns:endpoint/APNS_VOIP/CallingVoip/*, sns:endpoint/GCM/CallingAndroid/*]");
        // No other function may touch SNS, or delete items but CallApi's unblock.
        for (String function : app.stacks().service().functions().keySet()) {
            if (!function.equals("PushSender")) {
                var access = new TreeMap<>(access(function));
                if (function.equals("CallApi")) {
                    assertThat(access.remove("table:blocks")).contains("dynamodb:DeleteItem");
                }
                assertThat(access.values()).as(function)
                        .noneMatch(actions -> actions.contains("dynamodb:DeleteItem"))
                        .noneMatch(actions -> actions.stream().anyMatch(action -> action.startsWith("sns:")));
            }
        }
    }

    @Test
    void sessionServiceTouchesOnlySessionsAndItsQueue() {
        assertThat(access("SessionService")).isEqualTo(expected(
                "table:sessions", WRITE, "index:sessions/connectionId-index", READ,
                "queue:connection-events", CONSUME));
        assertThat(access("SessionService")).doesNotContainKey("table:calls");
    }

    @Test
    void callStateManagerOwnsTheCallTablesReadsSessionsSubscribersDevicesAndBlocksAndMaySendToItsQueues() {
        assertThat(access("CallStateManager")).isEqualTo(expected(
                "table:calls", WRITE, "index:calls/caller-index", READ, "index:calls/callee-index", READ,
                "index:calls/sweep-index", READ, "table:carrier-health", WRITE, "table:carrier-legs", WRITE, "table:accounts", WRITE,
                "index:accounts/holds-index", READ,
                "table:call-detail-records", WRITE, "index:call-detail-records/endedDay-index", READ,
                "table:sessions", READ, "index:sessions/connectionId-index", READ, "table:subscribers", READ,
                "table:devices", READ, "table:blocks", READ, "table:known-callers", WRITE, "event-bus:default", Set.of("events:PutEvents"),
                "queue:call-state-changes.fifo", union(CONSUME, SEND), "queue:call-timers", union(CONSUME, SEND),
                "queue:switch-commands.fifo", SEND, "queue:call-pushes", SEND,
                // An event it can never read goes straight to its queue's dead-letter queue.
                "queue:call-state-changes-dlq.fifo", SEND_ONLY, "queue:call-timers-dlq", SEND_ONLY,
                // The Twilio carrier: the caller's Voice token in call-media, the account's credentials from its secret.
                "table:call-media", WRITE, "secret:calling/test/twilio-AbC123", GET_SECRET,
                // The REST carrier: its API key's secret only (the webhook's secret is the CarrierWebhook's).
                "secret:calling/test/borealis/api-key-Xy12Ab", GET_SECRET,
                "chime:sma/5f2e7c1a-0d3b-4e8f-9a6c-1b2d3e4f5a60",
                Set.of("chime:CreateSipMediaApplicationCall", "chime:UpdateSipMediaApplicationCall"),
                "execute-api:live/*/@connections/*", Set.of("execute-api:ManageConnections"),
                // The operators' rate decks: each carrier's schedules queried, the deck in effect read by its version.
                "table:rate-decks", Set.of("dynamodb:Query"), "bucket:rate-decks/*", READ_RATE_DECK));
    }

    @Test
    void callSweeperQueriesOnlyTheSweepIndexBatchReadsCallsRecountsCarrierHealthAndSendsChecks() {
        assertThat(access("CallSweeper")).isEqualTo(expected(
                "index:calls/sweep-index", Set.of("dynamodb:Query"),
                "table:calls", Set.of("dynamodb:BatchGetItem", "dynamodb:GetItem"),
                "table:carrier-health", Set.of("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"),
                "index:accounts/holds-index", Set.of("dynamodb:Query"),
                "table:accounts", Set.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"),
                "queue:call-state-changes.fifo", SEND_ONLY));
        // Statement by statement: no statement grants an action on a resource it was not written for. CDK's
        // minimizePolicies (cdk.json) merges statements only where that widens nothing: here the two Query grants.
        assertThat(statements("CallSweeper")).containsExactlyInAnyOrder(
                "[dynamodb:Query] on [index:accounts/holds-index, index:calls/sweep-index]",
                "[dynamodb:BatchGetItem, dynamodb:GetItem] on [table:calls]",
                "[dynamodb:BatchGetItem, dynamodb:GetItem, dynamodb:UpdateItem] on [table:carrier-health]",
                "[dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem] on [table:accounts]",
                "[sqs:SendMessage] on [queue:call-state-changes.fifo]");
    }

    @Test
    void onlyTheQueuesConsumersPutUnreadableMessagesIntoDeadLetterQueuesAndOnlyDlqRedriveTakesThemOut() {
        Set<String> deadLetterQueues = new TreeSet<>();
        Resources.QUEUES.forEach(queue -> deadLetterQueues.add("queue:" + queue.deadLetterName()));
        for (String function : app.stacks().service().functions().keySet()) {
            Map<String, Set<String>> onDeadLetterQueues = new TreeMap<>(access(function));
            onDeadLetterQueues.keySet().retainAll(deadLetterQueues);
            switch (function) {
                case "CallStateManager" -> assertThat(onDeadLetterQueues).as(function).isEqualTo(expected(
                        "queue:call-state-changes-dlq.fifo", SEND_ONLY, "queue:call-timers-dlq", SEND_ONLY));
                case "DlqRedrive" -> assertThat(onDeadLetterQueues.keySet()).as(function).isEqualTo(deadLetterQueues);
                case "PushSender" -> assertThat(onDeadLetterQueues).as(function).isEqualTo(expected(
                        "queue:call-pushes-dlq", SEND_ONLY));
                default -> assertThat(onDeadLetterQueues).as(function).isEmpty();
            }
        }
    }

    @Test
    void dlqRedriveMayTakeFromEveryDeadLetterQueueAndSendBackToItsQueueOnly() {
        Map<String, Set<String>> expected = new TreeMap<>();
        for (QueueDefinition queue : Resources.QUEUES) {
            expected.put("queue:" + queue.deadLetterName(), REDRIVE_FROM);
            expected.put("queue:" + queue.name(), REDRIVE_TO);
        }
        assertThat(access("DlqRedrive")).isEqualTo(expected);
        // SQS-managed encryption: no key to grant.
        assertThat(access("DlqRedrive").keySet()).noneMatch(resource -> resource.startsWith("kms:"));
        assertThat(statements("DlqRedrive")).hasSize(2);
    }

    @Test
    void carrierPathsTouchOnlyCarrierLegsAndSendCallEventsAndTheWebhookReadsTheCarriersSecrets() {
        Map<String, Set<String>> expected = expected("table:carrier-legs", WRITE, "queue:call-state-changes.fifo", SEND);
        assertThat(access("SipMediaHandler")).isEqualTo(expected);
        expected.put("secret:calling/test/twilio-AbC123", GET_SECRET);
        // The REST carrier's webhook secrets (a partial ARN: exactly one suffix), and its API key for orphan hangups.
        expected.put("secret:calling/test/borealis/webhook-??????", GET_SECRET);
        expected.put("secret:calling/test/borealis/api-key-Xy12Ab", GET_SECRET);
        assertThat(access("CarrierWebhook")).isEqualTo(expected);
    }

    @Test
    void billingExportReadsRecordsAndOnlyPutsObjectsUnderCalls() {
        assertThat(access("BillingExport")).isEqualTo(expected(
                "table:call-detail-records", READ, "index:call-detail-records/endedDay-index", READ,
                "bucket:billing-exports/calls/*", Set.of("s3:PutObject", "s3:AbortMultipartUpload"),
                // Its on-failure destination (a failed scheduled run), as CDK's SqsDestination grants it.
                "dead-letters:BillingExportFailures", Set.of("sqs:SendMessage", "sqs:GetQueueAttributes",
                        "sqs:GetQueueUrl")));
    }

    /** Reading a rate deck's object: its current version, or the version a schedule names. */
    static final Set<String> READ_RATE_DECK = Set.of("s3:GetObject", "s3:GetObjectVersion");

    @Test
    void operatorApiWritesAccountsUpdatesOnlyThePstnBlockOfASubscriberAndSchedulesRateDecks() {
        assertThat(access("OperatorApi")).isEqualTo(expected(
                "table:accounts", WRITE, "index:accounts/holds-index", READ,
                "table:subscribers", union(READ, Set.of("dynamodb:UpdateItem")),
                // A schedule read, put (conditionally) and a carrier's listed; no update, delete or batch.
                "table:rate-decks", Set.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
                "bucket:rate-decks/*", READ_RATE_DECK,
                // So that S3 answers a missing key with 404 (NoSuchKey), not 403.
                "bucket:rate-decks", Set.of("s3:ListBucket")));
        assertThat(statements("OperatorApi")).contains(
                "[dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query] on [table:rate-decks]",
                "[s3:GetObject, s3:GetObjectVersion] on [bucket:rate-decks/*]",
                "[s3:ListBucket] on [bucket:rate-decks]");
        JsonNode update = statementOn("OperatorApi", "table:subscribers", "dynamodb:UpdateItem");
        assertThat(update.at("/Condition/ForAllValues:StringEquals/dynamodb:Attributes").toString())
                .isEqualTo("[\"userId\",\"pstnBlock\"]");
        assertThat(update.at("/Condition/StringEqualsIfExists/dynamodb:ReturnValues").toString())
                .isEqualTo("[\"NONE\",\"UPDATED_NEW\"]");
    }

    @Test
    void onlyTheOperatorApiAndTheCallStateManagerTouchRateDecksAndNoOtherFunctionReadsObjects() {
        for (String function : app.stacks().service().functions().keySet()) {
            Map<String, Set<String>> access = access(function);
            boolean rateDecks = function.equals("OperatorApi") || function.equals("CallStateManager");
            assertThat(access.keySet().stream().anyMatch(resource -> resource.startsWith("table:rate-decks")
                    || resource.startsWith("bucket:rate-decks"))).as(function).isEqualTo(rateDecks);
            assertThat(access.values().stream().flatMap(Set::stream)
                    .anyMatch(action -> action.startsWith("s3:Get") || action.equals("s3:ListBucket")))
                    .as(function + " reads objects").isEqualTo(rateDecks);
        }
        // The CallSweeper starts the CallStateManager's application but neither prices nor routes a call.
        assertThat(access("CallSweeper")).doesNotContainKeys("table:rate-decks", "bucket:rate-decks/*");
    }

    @Test
    void callApiReadsCallsSessionsAccountsAndCallMediaWritesOnlyCallRequestsAttemptsDevicesAndBlocksAndSendsCallEvents() {
        assertThat(access("CallApi")).isEqualTo(expected(
                "table:calls", READ, "index:calls/caller-index", READ, "index:calls/callee-index", READ,
                "index:calls/sweep-index", READ,
                "table:sessions", READ, "index:sessions/connectionId-index", READ, "table:accounts", READ,
                "index:accounts/holds-index", READ,
                "table:call-media", READ, "table:call-requests", WRITE, "table:call-attempts", WRITE,
                "table:devices", WRITE, "table:blocks", union(WRITE, Set.of("dynamodb:DeleteItem")),
                "table:subscribers", union(READ, Set.of("dynamodb:UpdateItem")),
                "queue:call-state-changes.fifo", SEND, "event-bus:default", Set.of("events:PutEvents")));
        // The subscriber item is the operator's (number, plan, allow-lists): the API updates the user's own setting
        // on it, and no other attribute, nor may the update return any other.
        JsonNode update = statementOn("CallApi", "table:subscribers", "dynamodb:UpdateItem");
        assertThat(update.at("/Condition/ForAllValues:StringEquals/dynamodb:Attributes").toString())
                .isEqualTo("[\"userId\",\"silenceUnknownCallers\"]");
        assertThat(update.at("/Condition/StringEqualsIfExists/dynamodb:ReturnValues").toString())
                .isEqualTo("[\"NONE\",\"UPDATED_NEW\"]");
        assertThat(list(update.get("Action"))).extracting(JsonNode::asText).containsExactly("dynamodb:UpdateItem");
        assertThat(access("CallApi").get("table:call-media")).as("the switch alone writes call media")
                .doesNotContain("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem");
    }

    @Test
    void switchOwnsCallMediaConsumesItsTwoQueuesSendsCallEventsAndRunsOnlyThisAccountsMeetings() {
        assertThat(access("Switch")).isEqualTo(expected(
                "table:call-media", WRITE,
                "queue:switch-commands.fifo", CONSUME, "queue:meeting-events", CONSUME,
                "queue:call-state-changes.fifo", SEND,
                "chime:meeting/*", Set.of("chime:CreateMeeting", "chime:CreateAttendee", "chime:DeleteAttendee",
                        "chime:DeleteMeeting", "chime:GetMeeting"),
                "execute-api:live/*/@connections/*", Set.of("execute-api:ManageConnections")));
        // It shortens a failed command's retry delay on the queue it consumes: the event source's grant covers it.
        assertThat(access("Switch").get("queue:switch-commands.fifo")).contains("sqs:ChangeMessageVisibility");
    }

    @Test
    void realtimeOnlySendsConnectionEventsAndItsAuthorizerTouchesNothing() {
        assertThat(access("Realtime")).isEqualTo(expected("queue:connection-events", SEND));
        assertThat(access("RealtimeAuthorizer")).isEmpty();
    }

    @Test
    void noStatementAnywhereAllowsEveryActionOrEveryResource() {
        app.resources(app.serviceJson(), "AWS::IAM::Policy").forEach(policy ->
                policy.getValue().at("/Properties/PolicyDocument/Statement").forEach(statement -> {
                    list(statement.get("Action")).forEach(action -> assertThat(action.asText()).doesNotContain("*"));
                    if (!isTracing(statement)) {
                        list(statement.get("Resource")).forEach(resource -> assertThat(resource.asText()).isNotEqualTo("*"));
                    }
                }));
        app.resources(app.serviceJson(), "AWS::IAM::Role").forEach(role ->
                assertThat(role.getValue().at("/Properties/ManagedPolicyArns").isMissingNode())
                        .as(role.getKey() + " has no managed policy").isTrue());
    }

    @Test
    void everyFunctionMayWriteTracesAndThatIsItsOnlyStatementOnEveryResource() {
        app.resources(app.serviceJson(), "AWS::Lambda::Function").forEach(function -> {
            assertThat(function.getValue().at("/Properties/TracingConfig/Mode").asText()).as(function.getKey())
                    .isEqualTo("Active");
            List<Set<String>> everyResource = new ArrayList<>();
            policy(app, function.getKey().replaceFirst("Function[0-9A-F]{8}$", "")).at("/Properties/PolicyDocument/Statement").forEach(statement -> {
                if (list(statement.get("Resource")).stream().anyMatch(resource -> resource.asText().equals("*"))) {
                    Set<String> actions = new TreeSet<>();
                    list(statement.get("Action")).forEach(action -> actions.add(action.asText()));
                    everyResource.add(actions);
                }
            });
            assertThat(everyResource).as(function.getKey())
                    .containsExactly(Set.of("xray:PutTelemetryRecords", "xray:PutTraceSegments"));
        });
    }

    /** X-Ray's two write actions, which have no resource-level permissions (Resource "*" is required). */
    static boolean isTracing(JsonNode statement) {
        Set<String> actions = new TreeSet<>();
        list(statement.get("Action")).forEach(action -> actions.add(action.asText()));
        return actions.equals(Set.of("xray:PutTraceSegments", "xray:PutTelemetryRecords"))
                && list(statement.get("Resource")).stream().allMatch(resource -> resource.asText().equals("*"));
    }

    /** The function's statements as {@code [actions] on [resources]} (labels, sorted); its log group's and tracing left out. */
    static List<String> statements(String function) {
        List<String> statements = new ArrayList<>();
        policy(app, function).at("/Properties/PolicyDocument/Statement").forEach(statement -> {
            if (isTracing(statement)) {
                return;
            }
            Set<String> resources = new TreeSet<>();
            list(statement.get("Resource")).forEach(resource -> resources.add(label(render(resource))));
            Set<String> actions = new TreeSet<>();
            list(statement.get("Action")).forEach(action -> actions.add(action.asText()));
            if (!resources.equals(Set.of("logs:" + function))) {
                statements.add(actions + " on " + resources);
            }
        });
        return statements;
    }

    private static JsonNode policy(TestApp.Synthesised app, String function) {
        return app.resources(app.serviceJson(), "AWS::IAM::Policy").stream()
                .filter(p -> p.getKey().startsWith(function + "RoleDefaultPolicy")).findFirst().orElseThrow().getValue();
    }

    /** The one statement of the function's policy that allows {@code action} on the resource labelled so. */
    static JsonNode statementOn(String function, String label, String action) {
        List<JsonNode> found = new ArrayList<>();
        policy(app, function).at("/Properties/PolicyDocument/Statement").forEach(statement -> {
            if (isTracing(statement)) {
                return;
            }
            boolean onIt = list(statement.get("Resource")).stream().anyMatch(r -> label(render(r)).equals(label));
            boolean allows = list(statement.get("Action")).stream().anyMatch(a -> a.asText().equals(action));
            if (onIt && allows) {
                found.add(statement);
            }
        });
        assertThat(found).as(action + " on " + label).hasSize(1);
        return found.get(0);
    }

    /** Resource (as a label) to the actions the function's policy allows on it; its own log group is checked and left out. */
    static Map<String, Set<String>> access(String function) {
        return access(app, function);
    }

    /** {@link #access(String)} in another deployment. */
    static Map<String, Set<String>> access(TestApp.Synthesised app, String function) {
        JsonNode policy = policy(app, function);
        assertThat(policy.at("/Properties/Roles/0/Ref").asText()).startsWith(function + "Role");
        Map<String, Set<String>> access = new TreeMap<>();
        policy.at("/Properties/PolicyDocument/Statement").forEach(statement -> {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            if (isTracing(statement)) {
                return; // every function's, asserted by everyFunctionMayWriteTraces...
            }
            for (JsonNode resource : list(statement.get("Resource"))) {
                String label = label(render(resource));
                for (JsonNode action : list(statement.get("Action"))) {
                    access.computeIfAbsent(label, l -> new TreeSet<>()).add(action.asText());
                }
            }
        });
        assertThat(access.remove("logs:" + function)).isEqualTo(LOGS);
        return access;
    }

    /** {@code calling-<stage>-} of any stage without a hyphen (the deployment variants' stages), as a regex. */
    private static final String ANY_PREFIX = "calling-[a-z][a-z0-9]*-";
    private static final Pattern TABLE = Pattern.compile(":table/" + ANY_PREFIX + "([a-z-]+)(?:/index/(.+))?$");
    private static final Pattern QUEUE = Pattern.compile(":sqs:<AWS::Region>:<AWS::AccountId>:" + ANY_PREFIX + "(.+)$");
    private static final Pattern BUCKET = Pattern.compile(":s3:::" + ANY_PREFIX + "([a-z-]+)-<AWS::AccountId>-<AWS::Region>(/.*)?$");
    private static final Pattern CHIME = Pattern.compile(":chime:<AWS::Region>:<AWS::AccountId>:(sma/.+|meeting/.+)$");
    private static final Pattern EXECUTE_API = Pattern.compile(":execute-api:<AWS::Region>:<AWS::AccountId>:<RealtimeApi[^>]+>/(.+)$");
    private static final Pattern SECRET = Pattern.compile("^arn:aws:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:(.+)$");
    private static final Pattern EVENT_BUS = Pattern.compile("^arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/(.+)$");
    private static final Pattern SNS = Pattern.compile("^arn:aws:sns:[a-z0-9-]+:[0-9]{12}:((?:app|endpoint)/.+)$");
    private static final Pattern KMS_KEY = Pattern.compile("^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:(key/.+)$");
    private static final Pattern LOG_GROUP = Pattern.compile("^<([A-Za-z]+?)Logs[0-9A-F]+\\.Arn>$");
    /** A dead-letter queue of the service stack's own (not one of Resources'): by its construct's name. */
    private static final Pattern OWN_DEAD_LETTERS = Pattern.compile("^<([A-Za-z]+?)DeadLetters[0-9A-F]+\\.Arn>$");

    private static String label(String arn) {
        Matcher m;
        if ((m = TABLE.matcher(arn)).find()) {
            return m.group(2) == null ? "table:" + m.group(1) : "index:" + m.group(1) + "/" + m.group(2);
        }
        if ((m = QUEUE.matcher(arn)).find()) {
            return "queue:" + m.group(1);
        }
        if ((m = BUCKET.matcher(arn)).find()) {
            return "bucket:" + m.group(1) + (m.group(2) == null ? "" : m.group(2));
        }
        if ((m = CHIME.matcher(arn)).find()) {
            return "chime:" + m.group(1);
        }
        if ((m = EXECUTE_API.matcher(arn)).find()) {
            return "execute-api:" + m.group(1);
        }
        if ((m = SECRET.matcher(arn)).find()) {
            return "secret:" + m.group(1);
        }
        if ((m = EVENT_BUS.matcher(arn)).find()) {
            return "event-bus:" + m.group(1);
        }
        if ((m = SNS.matcher(arn)).find()) {
            return "sns:" + m.group(1);
        }
        if ((m = KMS_KEY.matcher(arn)).find()) {
            return "kms:" + m.group(1);
        }
        if ((m = LOG_GROUP.matcher(arn)).find()) {
            return "logs:" + m.group(1);
        }
        if ((m = OWN_DEAD_LETTERS.matcher(arn)).find()) {
            return "dead-letters:" + m.group(1);
        }
        throw new AssertionError("unexpected resource in a function's policy: " + arn);
    }

    /** A resource expression as text: Fn::Join concatenated, Ref as {@code <X>}, Fn::GetAtt as {@code <X.Attr>}. */
    static String render(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.has("Ref")) {
            return "<" + node.get("Ref").asText() + ">";
        }
        if (node.has("Fn::GetAtt")) {
            return "<" + node.get("Fn::GetAtt").get(0).asText() + "." + node.get("Fn::GetAtt").get(1).asText() + ">";
        }
        if (node.has("Fn::Join")) {
            StringBuilder out = new StringBuilder();
            node.get("Fn::Join").get(1).forEach(part -> out.append(render(part)));
            return out.toString();
        }
        throw new AssertionError("cannot render " + node);
    }

    private static List<JsonNode> list(JsonNode node) {
        List<JsonNode> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(values::add);
        } else {
            values.add(node);
        }
        return values;
    }

    static Map<String, Set<String>> expected(Object... pairs) {
        Map<String, Set<String>> map = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            Set<String> actions = (Set<String>) pairs[i + 1];
            map.put((String) pairs[i], new TreeSet<>(actions));
        }
        return map;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        return Stream.of(sets).flatMap(Set::stream).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
}
