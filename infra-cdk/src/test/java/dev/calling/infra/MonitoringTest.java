package dev.calling.infra;

import static dev.calling.infra.TestApp.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Alarms on every dead-letter queue, every queue's oldest message and every function; the schedules. */
class MonitoringTest {

    static TestApp.Synthesised app;
    static List<Map.Entry<String, JsonNode>> alarms;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
        alarms = app.resources(app.serviceJson(), "AWS::CloudWatch::Alarm");
    }

    @Test
    void anyMessageInAnyDeadLetterQueueAlarms() {
        for (QueueDefinition queue : Resources.QUEUES) {
            JsonNode alarm = alarm("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                    PREFIX + queue.deadLetterName());
            assertThat(alarm.path("Threshold").asDouble()).isZero();
            assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
            assertThat(alarm.path("Statistic").asText()).isEqualTo("Maximum");
            assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
        }
    }

    @Test
    void anyMeetingEventEventBridgeCouldNotDeliverAlarms() {
        JsonNode alarm = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("MetricName").asText().equals("ApproximateNumberOfMessagesVisible"))
                .filter(a -> a.at("/Dimensions/0/Value/Fn::GetAtt/0").asText().startsWith("MeetingEventsDeadLetters"))
                .findFirst().orElseThrow(() -> new AssertionError("no alarm on the meeting-events rule's dead-letter queue"));
        assertThat(alarm.path("Threshold").asDouble()).isZero();
        assertThat(alarm.path("Statistic").asText()).isEqualTo("Maximum");
        assertThat(alarm.path("AlarmDescription").asText()).contains(PREFIX + "meeting-events-rule-dlq");
    }

    @Test
    void everyQueuesOldestMessageAlarmsAfterItsLimit() {
        for (QueueDefinition queue : Resources.QUEUES) {
            JsonNode alarm = alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", PREFIX + queue.name());
            assertThat(alarm.path("Threshold").asDouble()).isPositive();
        }
        assertThat(alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", PREFIX + "call-state-changes.fifo")
                .path("Threshold").asInt()).isEqualTo(120);
        assertThat(alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", PREFIX + "meeting-events")
                .path("Threshold").asInt()).as("a hang-up waits on these").isEqualTo(120);
        assertThat(alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", PREFIX + "call-pushes")
                .path("Threshold").asInt()).as("a ring push is late after the ring").isEqualTo(120);
        assertThat(alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", PREFIX + "call-timers")
                .path("Threshold").asInt()).as("timers wait up to 15 minutes on purpose").isGreaterThan(900);
    }

    @Test
    void everyFunctionsErrorsAlarmAndReservedOnesAlsoOnThrottles() {
        for (String function : List.of("session-service", "call-state-manager", "sip-media-handler", "carrier-webhook",
                "billing-export", "call-api", "operator-api", "realtime", "realtime-authorizer", "switch", "call-sweeper",
                "dlq-redrive", "push-sender")) {
            JsonNode alarm = alarm("AWS/Lambda", "Errors", "FunctionName", PREFIX + function);
            assertThat(alarm.path("Threshold").asDouble()).isZero();
        }
        for (String function : List.of("call-state-manager", "sip-media-handler", "carrier-webhook", "billing-export",
                "switch")) {
            alarm("AWS/Lambda", "Throttles", "FunctionName", PREFIX + function);
        }
        // Per queue two, per function one, five throttles, the meeting-events and limit-alerts rules' dead-letter
        // queues, the abuse-limit hits, BillingExport's failures, the two APIs' server errors, per table one,
        // per push platform application one (two in the test app), the CallSweeper schedule's dead-letter queue,
        // per carrier one (three in the test app), and the scheduled rate decks' (with carriers).
        assertThat(alarms).hasSize(2 * Resources.QUEUES.size() + 13 + 5 + 2 + 1 + 1 + 2 + Resources.TABLES.size() + 2 + 1
                + 3 + 1);
    }

    @Test
    void pushSenderErrorsAndAnyPushInItsDeadLetterQueueAlarm() {
        assertThat(alarm("AWS/Lambda", "Errors", "FunctionName", PREFIX + "push-sender").path("AlarmDescription").asText())
                .startsWith("PushSender failed");
        JsonNode deadLetters = alarm("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
                PREFIX + "call-pushes-dlq");
        assertThat(deadLetters.path("Threshold").asDouble()).isZero();
        assertThat(deadLetters.path("EvaluationPeriods").asInt()).isEqualTo(1);
        assertThat(deadLetters.path("AlarmDescription").asText()).contains("call-pushes failed 3 times");
        // Not reserved: no throttle alarm (found as the reserved functions' are, by metric and function name).
        List<String> throttled = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("Namespace").asText().equals("AWS/Lambda") && a.path("MetricName").asText().equals("Throttles"))
                .map(a -> dimensionValue(a.at("/Dimensions/0/Value"))).toList();
        assertThat(throttled).contains(PREFIX + "call-state-manager").doesNotContain(PREFIX + "push-sender");
    }

    @Test
    void everyAlarmNotifiesTheTopicWhichEmailsOnCall() {
        String topic = app.resources(app.serviceJson(), "AWS::SNS::Topic").get(0).getKey();
        alarms.forEach(alarm -> {
            assertThat(alarm.getValue().at("/Properties/AlarmActions/0/Ref").asText()).isEqualTo(topic);
            assertThat(alarm.getValue().at("/Properties/OKActions/0/Ref").asText()).isEqualTo(topic);
        });
        app.service().hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email",
                "Endpoint", "oncall@example.com"));
    }

    /**
     * The topic's policy replaces SNS's default one: what it does not allow, no alarm can send. Evaluated as
     * IAM does for each publisher the app has (every alarm's CloudWatch, every rule targeting the topic), over
     * TLS as AWS services publish; the alarms were silent while the policy held only the TLS deny.
     */
    @Test
    void cloudWatchAndTheRulesTargetingTheTopicMayPublishToItAndNoOneElse() {
        assertPublishersAllowed(app.serviceJson());
    }

    @Test
    void theForwarderStacksAlarmsMayPublishToItsTopicToo() {
        TestApp.Synthesised remote = TestApp.synthesise(Map.of("stage", "test", "chimeMeetingsRegion", "us-east-1",
                "alarmEmail", "oncall@example.com"), java.util.Optional.of("eu-west-2"));
        JsonNode forwarder = new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(
                software.amazon.awscdk.assertions.Template.fromStack(remote.stacks().meetingEventsForwarder().orElseThrow())
                        .toJSON());
        assertThat(remote.resources(forwarder, "AWS::CloudWatch::Alarm")).isNotEmpty();
        assertPublishersAllowed(forwarder);
    }

    /** In the template: every alarm may publish to its topic; every rule that targets it too; nobody else. */
    static void assertPublishersAllowed(JsonNode template) {
        List<Map.Entry<String, JsonNode>> topics = app.resources(template, "AWS::SNS::Topic");
        assertThat(topics).hasSize(1);
        String topic = topics.get(0).getKey();
        List<Map.Entry<String, JsonNode>> policies = app.resources(template, "AWS::SNS::TopicPolicy");
        assertThat(policies).hasSize(1);
        assertThat(policies.get(0).getValue().at("/Properties/Topics/0/Ref").asText()).isEqualTo(topic);
        ResourcePolicy policy = new ResourcePolicy(policies.get(0).getValue().at("/Properties/PolicyDocument"));
        String resource = "<" + topic + ">";
        String account = "<AWS::AccountId>";

        for (Map.Entry<String, JsonNode> alarm : app.resources(template, "AWS::CloudWatch::Alarm")) {
            String alarmArn = "arn:<AWS::Partition>:cloudwatch:<AWS::Region>:" + account + ":alarm:" + alarm.getKey();
            assertThat(policy.allows(publish("cloudwatch.amazonaws.com", resource, true, account, alarmArn)))
                    .as("CloudWatch may publish %s to the topic", alarm.getKey()).isTrue();
            assertThat(policy.allows(publish("cloudwatch.amazonaws.com", resource, false, account, alarmArn)))
                    .as("never without TLS").isFalse();
            assertThat(policy.allows(publish("cloudwatch.amazonaws.com", resource, true, "999999999999",
                    alarmArn.replace(account, "999999999999")))).as("another account's alarm").isFalse();
        }
        List<String> rules = new java.util.ArrayList<>();
        for (Map.Entry<String, JsonNode> rule : app.resources(template, "AWS::Events::Rule")) {
            for (JsonNode target : rule.getValue().at("/Properties/Targets")) {
                if (target.at("/Arn/Ref").asText().equals(topic)) {
                    rules.add(rule.getKey());
                    assertThat(policy.allows(publish("events.amazonaws.com", resource, true, account,
                            "<" + rule.getKey() + ".Arn>"))).as("rule %s may publish", rule.getKey()).isTrue();
                }
            }
        }
        assertThat(policy.allows(publish("events.amazonaws.com", resource, true, account, "<SomeOtherRule.Arn>")))
                .as("only the rules that target the topic").isFalse();
        assertThat(policy.allows(publish("events.amazonaws.com", resource, true, "999999999999",
                "arn:aws:events:us-east-1:999999999999:rule/x"))).as("another account's rule").isFalse();
        assertThat(policy.allows(publish("sns.amazonaws.com", resource, true, account, "arn:x"))).isFalse();
    }

    private static ResourcePolicy.Request publish(String service, String topic, boolean tls, String account,
            String sourceArn) {
        return new ResourcePolicy.Request(service, "sns:Publish", topic, Map.of("aws:SecureTransport",
                Boolean.toString(tls), "aws:SourceAccount", account, "aws:SourceArn", sourceArn));
    }

    @Test
    void anAbuseLimitHitAlarmsAndEachLimitAlertEventGoesToTheAlarmTopicAsOneLine() {
        String topic = app.resources(app.serviceJson(), "AWS::SNS::Topic").get(0).getKey();
        JsonNode hits = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("Namespace").asText().equals("Calling") && a.path("MetricName").asText().equals("LimitHits"))
                .findFirst().orElseThrow(() -> new AssertionError("no alarm on Calling/LimitHits"));
        assertThat(hits.path("Dimensions").isMissingNode() || hits.path("Dimensions").isEmpty())
                .as("over all limits: the metric the EMF line's empty dimension set makes").isTrue();
        assertThat(hits.path("Statistic").asText()).isEqualTo("Sum");
        assertThat(hits.path("Threshold").asDouble()).isZero();

        JsonNode rule = app.resources(app.serviceJson(), "AWS::Events::Rule").stream().map(r -> r.getValue().get("Properties"))
                .filter(r -> r.path("Name").asText().equals(PREFIX + "limit-alerts")).findFirst().orElseThrow();
        assertThat(rule.at("/EventPattern/source/0").asText()).isEqualTo("calling.abuse");
        assertThat(rule.at("/EventPattern/detail-type/0").asText()).isEqualTo("Abuse limit hit");
        assertThat(rule.has("EventBusName")).as("the default bus, where PutEvents sends them").isFalse();
        JsonNode target = rule.at("/Targets/0");
        assertThat(target.at("/Arn/Ref").asText()).isEqualTo(topic);
        assertThat(target.at("/InputTransformer/InputTemplate").asText()).contains("Abuse limit", "<detail-userId>");
        assertThat(target.at("/DeadLetterConfig/Arn/Fn::GetAtt/0").asText()).startsWith("Monitoring");
        // EventBridge may publish for this rule: cloudWatchAndTheRulesTargetingTheTopicMayPublishToItAndNoOneElse.
    }

    @Test
    void billingExportRunsDailyAt0030UtcOnItsAlias() {
        JsonNode rule = schedule("BillingExport");
        assertThat(rule.path("ScheduleExpression").asText()).isEqualTo("cron(30 0 * * ? *)");
        assertThat(rule.path("State").asText()).isEqualTo("ENABLED");
        JsonNode target = rule.at("/Targets/0");
        assertThat(target.at("/Arn/Ref").asText()).startsWith("BillingExportLive");
        assertThat(target.at("/RetryPolicy/MaximumRetryAttempts").asInt()).isEqualTo(2);
        assertThat(target.has("Input")).as("the scheduled event itself: its time picks the day").isFalse();
    }

    @Test
    void callSweeperRunsEveryFiveMinutesOnItsAliasAndAFailedSweepWaitsForTheNext() {
        JsonNode rule = schedule("CallSweeper");
        assertThat(rule.path("ScheduleExpression").asText()).isEqualTo("rate(5 minutes)");
        assertThat(rule.path("State").asText()).isEqualTo("ENABLED");
        assertThat(rule.get("Targets")).hasSize(1);
        JsonNode target = rule.at("/Targets/0");
        assertThat(target.at("/RetryPolicy/MaximumRetryAttempts").asInt()).isEqualTo(2);
        assertThat(target.at("/RetryPolicy/MaximumEventAgeInSeconds").asInt()).as("not past the next run").isEqualTo(300);
        assertThat(target.has("Input")).isFalse();
        // A sweep EventBridge could not deliver is kept and alarms (the function's Errors cannot see it).
        String dlq = target.at("/DeadLetterConfig/Arn/Fn::GetAtt/0").asText();
        assertThat(app.serviceJson().at("/Resources/" + dlq + "/Properties/QueueName").asText())
                .isEqualTo(PREFIX + "call-sweeper-schedule-dlq");
        assertThat(alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.at("/Dimensions/0/Value/Fn::GetAtt/0").asText().equals(dlq))).hasSize(1);
        JsonNode asyncInvoke = app.resources(app.serviceJson(), "AWS::Lambda::EventInvokeConfig").stream()
                .map(c -> c.getValue().get("Properties"))
                .filter(c -> LeastPrivilegeTest.render(c.path("FunctionName")).startsWith("<CallSweeper"))
                .findFirst().orElseThrow(() -> new AssertionError("no async invoke configuration of the CallSweeper"));
        assertThat(asyncInvoke.at("/Qualifier/Fn::Select/1/Fn::Split/1/Ref").asText()).as("the live alias's name")
                .startsWith("CallSweeperLive");
        assertThat(asyncInvoke.path("MaximumRetryAttempts").asInt()).as("a failed sweep is not re-run").isZero();
        assertThat(asyncInvoke.path("MaximumEventAgeInSeconds").asInt()).isEqualTo(300);
        assertThat(app.resources(app.serviceJson(), "AWS::Lambda::EventInvokeConfig")).as("its and BillingExport's")
                .hasSize(2);
        // May EventBridge invoke it: only this rule, on the alias.
        JsonNode permission = app.resources(app.serviceJson(), "AWS::Lambda::Permission").stream()
                .map(p -> p.getValue().get("Properties"))
                .filter(p -> p.path("Principal").asText().equals("events.amazonaws.com"))
                .filter(p -> p.at("/FunctionName/Ref").asText().startsWith("CallSweeperLive")).findFirst().orElseThrow();
        assertThat(permission.at("/SourceArn/Fn::GetAtt/0").asText()).startsWith("CallSweeperSchedule");
        // Its failures alarm like any function's.
        assertThat(alarm("AWS/Lambda", "Errors", "FunctionName", PREFIX + "call-sweeper").path("AlarmDescription").asText())
                .startsWith("CallSweeper failed");
    }

    @Test
    void aFailedScheduledBillingExportEndsInAnAlarmedQueueWithItsEvent() {
        JsonNode queue = app.resources(app.serviceJson(), "AWS::SQS::Queue").stream()
                .map(q -> q.getValue().get("Properties"))
                .filter(q -> q.path("QueueName").asText().equals(PREFIX + "billing-export-failures")).findFirst()
                .orElseThrow(() -> new AssertionError("no billing-export-failures queue"));
        assertThat(queue.path("MessageRetentionPeriod").asInt()).isEqualTo(14 * 24 * 3600);
        String queueId = app.resources(app.serviceJson(), "AWS::SQS::Queue").stream()
                .filter(q -> q.getValue().at("/Properties/QueueName").asText().equals(PREFIX + "billing-export-failures"))
                .findFirst().orElseThrow().getKey();
        // What Lambda still fails after its retries...
        JsonNode asyncInvoke = app.resources(app.serviceJson(), "AWS::Lambda::EventInvokeConfig").stream()
                .map(c -> c.getValue().get("Properties"))
                .filter(c -> LeastPrivilegeTest.render(c.path("FunctionName")).startsWith("<BillingExport"))
                .findFirst().orElseThrow(() -> new AssertionError("no async invoke configuration of BillingExport"));
        assertThat(asyncInvoke.at("/Qualifier/Fn::Select/1/Fn::Split/1/Ref").asText()).startsWith("BillingExportLive");
        assertThat(asyncInvoke.at("/DestinationConfig/OnFailure/Destination/Fn::GetAtt/0").asText()).isEqualTo(queueId);
        assertThat(asyncInvoke.path("MaximumRetryAttempts").asInt()).isEqualTo(2);
        // ...and what EventBridge cannot deliver.
        assertThat(schedule("BillingExport").at("/Targets/0/DeadLetterConfig/Arn/Fn::GetAtt/0").asText()).isEqualTo(queueId);
        JsonNode alarm = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("MetricName").asText().equals("ApproximateNumberOfMessagesVisible"))
                .filter(a -> a.at("/Dimensions/0/Value/Fn::GetAtt/0").asText().equals(queueId))
                .findFirst().orElseThrow(() -> new AssertionError("no alarm on billing-export-failures"));
        assertThat(alarm.path("Threshold").asDouble()).isZero();
        assertThat(alarm.path("AlarmDescription").asText()).contains("re-run that day");
    }

    @Test
    void eitherApisServerErrorsAlarm() {
        JsonNode http = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("Namespace").asText().equals("AWS/ApiGateway") && a.path("MetricName").asText().equals("5xx"))
                .findFirst().orElseThrow(() -> new AssertionError("no 5xx alarm"));
        assertThat(http.at("/Dimensions/0/Name").asText()).isEqualTo("ApiId");
        assertThat(http.at("/Dimensions/0/Value/Ref").asText()).startsWith("HttpApi");
        assertThat(http.path("Threshold").asDouble()).isZero();
        assertThat(http.path("Statistic").asText()).isEqualTo("Sum");
        JsonNode webSocket = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("Namespace").asText().equals("AWS/ApiGateway")
                        && a.path("MetricName").asText().equals("ExecutionError"))
                .findFirst().orElseThrow(() -> new AssertionError("no WebSocket ExecutionError alarm"));
        Map<String, String> dimensions = new java.util.TreeMap<>();
        webSocket.path("Dimensions").forEach(d -> dimensions.put(d.path("Name").asText(),
                LeastPrivilegeTest.render(d.path("Value"))));
        assertThat(dimensions).containsEntry("Stage", "live").containsKey("ApiId");
        assertThat(dimensions.get("ApiId")).startsWith("<RealtimeApi");
    }

    @Test
    void everyTablesReadAndWriteThrottlesAlarm() {
        for (var table : Resources.TABLES) {
            JsonNode alarm = alarms.stream().map(a -> a.getValue().get("Properties"))
                    .filter(a -> a.path("Metrics").toString().contains("\"" + PREFIX + table.name() + "\""))
                    .findFirst().orElseThrow(() -> new AssertionError("no throttle alarm on " + table.name()));
            List<String> metrics = new java.util.ArrayList<>();
            alarm.path("Metrics").forEach(m -> {
                if (m.has("MetricStat")) {
                    assertThat(m.at("/MetricStat/Metric/Namespace").asText()).isEqualTo("AWS/DynamoDB");
                    assertThat(m.at("/MetricStat/Metric/Dimensions/0/Value").asText()).isEqualTo(PREFIX + table.name());
                    assertThat(m.at("/MetricStat/Stat").asText()).isEqualTo("Sum");
                    metrics.add(m.at("/MetricStat/Metric/MetricName").asText());
                }
            });
            assertThat(metrics).containsExactlyInAnyOrder("ReadThrottleEvents", "WriteThrottleEvents");
            assertThat(alarm.path("Threshold").asDouble()).isZero();
        }
    }

    @Test
    void eachPushPlatformApplicationsFailureShareAlarms() {
        for (String[] app : List.of(new String[] {"CallingVoip", "APNS_VOIP"}, new String[] {"CallingAndroid", "GCM"})) {
            JsonNode alarm = alarms.stream().map(a -> a.getValue().get("Properties"))
                    .filter(a -> a.path("Metrics").toString().contains("NumberOfNotificationsFailed"))
                    .filter(a -> a.path("Metrics").toString().contains("\"" + app[0] + "\""))
                    .findFirst().orElseThrow(() -> new AssertionError("no push alarm on " + app[0]));
            assertThat(alarm.path("Metrics").toString()).contains("\"" + app[1] + "\"", "NumberOfNotificationsDelivered",
                    "\"AWS/SNS\"");
            assertThat(alarm.path("Threshold").asDouble()).isEqualTo(25);
            assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(2);
        }
        long without = TestApp.synthesise(Map.of("stage", "test")).resources(
                TestApp.synthesise(Map.of("stage", "test")).serviceJson(), "AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getValue().toString().contains("NumberOfNotificationsFailed")).count();
        assertThat(without).as("no platform application, no push alarm").isZero();
    }

    @Test
    void eachCarriersFailureShareAlarms() {
        for (String carrier : List.of("chime", "borealis", "twilio")) {
            JsonNode alarm = alarms.stream().map(a -> a.getValue().get("Properties"))
                    .filter(a -> a.path("Metrics").toString().contains("CarrierFailures"))
                    .filter(a -> a.path("Metrics").toString().contains("\"Value\":\"" + carrier + "\""))
                    .findFirst().orElseThrow(() -> new AssertionError("no failure alarm on carrier " + carrier));
            assertThat(alarm.path("Metrics").toString()).contains("\"CarrierAttempts\"", "\"Namespace\":\"Calling\"",
                    "\"Name\":\"Carrier\"");
            assertThat(alarm.path("Threshold").asDouble()).isEqualTo(25);
            assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(2);
        }
    }

    @Test
    void aScheduledRateDeckThatCannotPriceCallsAlarmsWhereThereAreCarriers() {
        JsonNode alarm = alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> "RateDecksUnusable".equals(a.path("MetricName").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no alarm on unusable scheduled rate decks"));
        assertThat(alarm.path("Namespace").asText()).isEqualTo("Calling");
        assertThat(alarm.path("Dimensions").isMissingNode() || alarm.path("Dimensions").isEmpty())
                .as("the overall metric, which ScheduledRateDecks writes with the empty dimension set").isTrue();
        assertThat(alarm.path("Statistic").asText()).isEqualTo("Sum");
        assertThat(alarm.path("Threshold").asDouble()).isZero();
        assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(1);
        TestApp.Synthesised voipOnly = TestApp.synthesise(Map.of("stage", "test"));
        assertThat(voipOnly.resources(voipOnly.serviceJson(), "AWS::CloudWatch::Alarm").stream()
                .filter(a -> a.getValue().toString().contains("RateDecksUnusable")).count())
                .as("no carriers, no deck to schedule, no alarm").isZero();
    }

    @Test
    void theCallPathDashboardShowsApisQueuesFunctionsTablesAndTheAppsMetrics() {
        List<Map.Entry<String, JsonNode>> dashboards = app.resources(app.serviceJson(), "AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        JsonNode dashboard = dashboards.get(0).getValue().get("Properties");
        assertThat(dashboard.path("DashboardName").asText()).isEqualTo(PREFIX + "call-path");
        String body = LeastPrivilegeTest.render(dashboard.path("DashboardBody"));
        assertThat(body).contains("\"5xx\"", "\"Latency\"", "\"ExecutionError\"", "\"ConnectCount\"");
        for (QueueDefinition queue : Resources.QUEUES) {
            assertThat(body).contains("\"" + PREFIX + queue.name() + "\"", "\"" + PREFIX + queue.deadLetterName() + "\"");
        }
        assertThat(body).contains("ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible");
        for (String metric : List.of("Errors", "Throttles", "Duration", "ConcurrentExecutions")) {
            assertThat(body).contains("\"" + metric + "\"");
        }
        // Every function by its name, which the template holds as a Ref.
        app.resources(app.serviceJson(), "AWS::Lambda::Function").forEach(f -> assertThat(body).contains("<" + f.getKey() + ">"));
        for (var table : Resources.TABLES) {
            assertThat(body).contains("\"" + PREFIX + table.name() + "\"");
        }
        assertThat(body).contains("ReadThrottleEvents", "WriteThrottleEvents", "\"Calling\"", "\"LimitHits\"",
                "SEARCH('Namespace=\\\"Calling\\\"'", "NumberOfNotificationsFailed", "billing-export-failures");
        assertThat(body).contains("MetricName=\\\"Calls\\\"", "MetricName=\\\"RequestToRing\\\"', 'p99'",
                "MetricName=\\\"AnswerToBridge\\\"', 'p99'", "{Calling,Currency}");
    }

    /** The scheduled rule whose one target is the function's live alias. */
    private static JsonNode schedule(String function) {
        return app.resources(app.serviceJson(), "AWS::Events::Rule").stream().map(r -> r.getValue().get("Properties"))
                .filter(r -> r.has("ScheduleExpression"))
                .filter(r -> r.at("/Targets/0/Arn/Ref").asText().startsWith(function + "Live"))
                .findFirst().orElseThrow(() -> new AssertionError("no schedule of " + function));
    }

    private static JsonNode alarm(String namespace, String metric, String dimension, String value) {
        return alarms.stream().map(a -> a.getValue().get("Properties"))
                .filter(a -> a.path("Namespace").asText().equals(namespace) && a.path("MetricName").asText().equals(metric))
                .filter(a -> a.at("/Dimensions/0/Name").asText().equals(dimension))
                .filter(a -> dimensionValue(a.at("/Dimensions/0/Value")).equals(value))
                .findFirst().orElseThrow(() -> new AssertionError("no " + metric + " alarm for " + value));
    }

    /** A queue's name as written, a function's name through its Ref. */
    private static String dimensionValue(JsonNode value) {
        if (value.has("Ref")) {
            return app.serviceJson().at("/Resources/" + value.get("Ref").asText() + "/Properties/FunctionName").asText();
        }
        return value.asText();
    }
}
