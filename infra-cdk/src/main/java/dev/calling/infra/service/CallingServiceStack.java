package dev.calling.infra.service;

import static dev.calling.adapters.Resources.ACCOUNTS;
import static dev.calling.adapters.Resources.BILLING_EXPORTS;
import static dev.calling.adapters.Resources.CALLS;
import static dev.calling.adapters.Resources.CALL_DETAIL_RECORDS;
import static dev.calling.adapters.Resources.CALL_MEDIA;
import static dev.calling.adapters.Resources.CALL_PUSHES;
import static dev.calling.adapters.Resources.BLOCKS;
import static dev.calling.adapters.Resources.KNOWN_CALLERS;
import static dev.calling.adapters.Resources.CALL_ATTEMPTS;
import static dev.calling.adapters.Resources.CALL_REQUESTS;
import static dev.calling.adapters.Resources.CALL_STATE_CHANGES;
import static dev.calling.adapters.Resources.CALL_TIMERS;
import static dev.calling.adapters.Resources.CARRIER_HEALTH;
import static dev.calling.adapters.Resources.CARRIER_LEGS;
import static dev.calling.adapters.Resources.DEVICES;
import static dev.calling.adapters.Resources.CONNECTION_EVENTS;
import static dev.calling.adapters.Resources.MEETING_EVENTS;
import static dev.calling.adapters.Resources.PUSH_MARKERS;
import static dev.calling.adapters.Resources.RATE_DECKS;
import static dev.calling.adapters.Resources.RATE_DECK_OBJECTS;
import static dev.calling.adapters.Resources.SESSIONS;
import static dev.calling.adapters.Resources.SUBSCRIBERS;
import static dev.calling.adapters.Resources.SWITCH_COMMANDS;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.infra.CallingConfig;
import dev.calling.infra.CallingConfig.Adapter;
import dev.calling.infra.CallingConfig.Carrier;
import dev.calling.infra.CallingConfig.SwitchKind;
import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import dev.calling.infra.data.Users;
import dev.calling.infra.service.CallingFunction.Settings;
import dev.calling.infra.service.DataByName.QueueRef;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cognito.IUserPool;
import software.amazon.awscdk.services.cognito.IUserPoolClient;
import software.amazon.awscdk.services.cognito.UserPool;
import software.amazon.awscdk.services.cognito.UserPoolClient;
import software.amazon.awscdk.services.events.CronOptions;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * The code and its front doors: every function, the HTTP and WebSocket APIs, the daily billing
 * export and 5-minute call sweeper schedules, the rule that brings Chime's meeting events to the
 * Switch, and the alarms. Holds no data, so it can be changed or replaced at any time;
 * it finds the data stack's resources by name and the user pool through SSM parameters.
 */
public final class CallingServiceStack extends Stack {

    private final Map<String, CallingFunction> functions = new LinkedHashMap<>();
    private final PublicHttpApi httpApi;
    private final OperatorHttpApi operatorHttpApi;
    private final RealtimeApi realtimeApi;
    private final Monitoring monitoring;
    private final CallPathDashboard dashboard;
    private final Optional<MeetingEventsRule> meetingEventsRule;

    public CallingServiceStack(Construct scope, String id, StackProps props, CallingConfig config, FunctionCode code) {
        super(scope, id, props);
        PhysicalNames names = PhysicalNames.of(config.stage());
        DataByName data = new DataByName(this, "Data", names);
        IUserPool users = UserPool.fromUserPoolId(this, "Users",
                StringParameter.valueForStringParameter(this, names.parameter(Users.POOL_ID_PARAMETER)));
        IUserPoolClient mobileApp = UserPoolClient.fromUserPoolClientId(this, "MobileApp",
                StringParameter.valueForStringParameter(this, names.parameter(Users.CLIENT_ID_PARAMETER)));
        boolean reserve = config.reservedConcurrency();

        QueueRef connectionEvents = data.queue(CONNECTION_EVENTS);
        QueueRef callStateChanges = data.queue(CALL_STATE_CHANGES);
        QueueRef callTimers = data.queue(CALL_TIMERS);
        QueueRef switchCommands = data.queue(SWITCH_COMMANDS);
        QueueRef meetingEvents = data.queue(MEETING_EVENTS);
        QueueRef callPushes = data.queue(CALL_PUSHES);

        // Small JSON events, one conditional DynamoDB write each: 512 MB is plenty.
        add(names, code, new Settings("SessionService", "session-service",
                "SessionService: connection events into user sessions", 512,
                CallingFunction.timeoutForQueues(connectionEvents), Optional.empty()))
                .consumes(connectionEvents, 10, 20)
                .writes(data.table(SESSIONS));

        // The brain: the most work per event (routing over in-memory rate decks, transactions,
        // carrier API calls); 1 GB buys the CPU for that. Its reserved concurrency is the sum of
        // its two event sources' maximum concurrency: a cap on the load it puts on carriers and a
        // guarantee no other function can starve it. Batches of 5 call events keep a batch with
        // slow carrier dials (up to 2 s connect + 5 s request) inside the timeout.
        CallingFunction callStateManager = add(names, code, new Settings("CallStateManager", "call-state-manager",
                "CallStateManager: the call state machine, provider routing, charging", 1024,
                CallingFunction.timeoutForQueues(callStateChanges, callTimers), reserve ? Optional.of(50) : Optional.empty()))
                .consumes(callStateChanges, 5, 40)
                .consumes(callTimers, 10, 10)
                .writes(data.table(CALLS))
                .writes(data.table(CARRIER_HEALTH))
                .writes(data.table(CARRIER_LEGS))
                .writes(data.table(ACCOUNTS))
                .writes(data.table(CALL_DETAIL_RECORDS))
                .reads(data.table(SESSIONS))
                .reads(data.table(SUBSCRIBERS))
                .reads(data.table(DEVICES))
                .reads(data.table(BLOCKS))
                .writes(data.table(KNOWN_CALLERS))
                .sendsTo(callStateChanges)
                .sendsTo(callTimers)
                .sendsTo(switchCommands)
                .sendsTo(callPushes)
                // An event it can never read goes straight to its queue's dead-letter queue (not retried:
                // on the FIFO queue that would hold the call's later events back).
                .sendsUnreadableToDeadLetterQueueOf(callStateChanges)
                .sendsUnreadableToDeadLetterQueueOf(callTimers);

        // Pushes to callees' devices through Amazon SNS: two SNS requests per device, small; 512 MB. Always deployed
        // (the call state manager hands it every push): without platform applications it sends nothing and says so.
        // One command per invocation: a slow or throttled SNS answer for one call's devices never holds another
        // call's ring push in the same batch (nor times the batch out, sending them all again 30 s later, after
        // most rings have ended); up to 20 at once. That costs one Lambda request per push: 0.20 USD a million.
        CallingFunction pushSender = add(names, code, new Settings("PushSender", "push-sns",
                "PushSender: wakes callees' devices through Amazon SNS mobile push", 512,
                CallingFunction.timeoutForQueues(callPushes), Optional.empty()))
                .consumes(callPushes, 1, 20)
                .writes(data.table(DEVICES))
                .writes(data.table(PUSH_MARKERS))
                .sendsUnreadableToDeadLetterQueueOf(callPushes);
        DataByName.TableRef pushMarkers = data.table(PUSH_MARKERS);
        pushSender.allow(PolicyStatement.Builder.create().actions(List.of("dynamodb:DeleteItem"))
                .resources(List.of(pushMarkers.table().getTableArn())).build()); // a push SNS certainly did not send
        if (!config.pushApplications().isEmpty()) {
            List<String> applications = List.copyOf(config.pushApplications().values());
            config.pushApplications().forEach((target, arn) -> pushSender.env(target.property(), arn));
            pushSender.allow(PolicyStatement.Builder.create().actions(List.of("sns:CreatePlatformEndpoint"))
                    .resources(applications).build());
            // SetEndpointAttributes names an endpoint (re-enabling one SNS had for the same token), so it is
            // authorised on the endpoint, as Publish and DeleteEndpoint are.
            pushSender.allow(PolicyStatement.Builder.create()
                    .actions(List.of("sns:SetEndpointAttributes", "sns:Publish", "sns:DeleteEndpoint"))
                    .resources(applications.stream().map(CallingConfig::endpointsOf).toList()).build());
            Nag.suppress(pushSender, "IAM5", "SNS creates one endpoint per device token under each platform"
                    + " application; its ARN is only known at run time. The grant is limited to the endpoints of the"
                    + " configured platform applications.", List.of("regex:/^Resource::arn:aws[a-z-]*:sns:.*:endpoint\\/.*\\/\\*$/"));
        }

        // Chime waits on every answer of this function during a live call: latency matters more
        // than cost (1 GB), and an answer after 5 s is of no use to the call. Reserved so that a
        // burst elsewhere never starves live PSTN legs.
        CallingFunction sipMediaHandler = add(names, code, new Settings("SipMediaHandler", "sip-media-handler",
                "SipMediaHandler: the Chime SIP media application's actions", 1024, Duration.seconds(5),
                reserve ? Optional.of(50) : Optional.empty()))
                .writes(data.table(CARRIER_LEGS))
                .sendsTo(callStateChanges);

        // Carriers' status callbacks (REST and Twilio): tiny, public and signed. Reserved concurrency
        // caps what a flood of callbacks can cost (the stage throttles first); 10 s covers an orphan-call
        // hang-up at the carrier (5 s request timeout) and is below carriers' webhook timeouts (Twilio's 15 s).
        CallingFunction carrierWebhook = add(names, code, new Settings("CarrierWebhook", "carrier-webhook",
                "CarrierWebhook: REST and Twilio carriers' signed status callbacks", 512, Duration.seconds(10),
                reserve ? Optional.of(20) : Optional.empty()))
                .writes(data.table(CARRIER_LEGS))
                .sendsTo(callStateChanges);

        // Streams a day of call detail records through gzip into a multipart upload: 2 GB for CPU
        // and buffers, up to Lambda's 15 minutes. One at a time: a re-run must not race the schedule.
        DataByName.BucketRef exports = data.bucket(BILLING_EXPORTS);
        String exportPrefix = BillingExport.objectKey(LocalDate.EPOCH).split("/")[0] + "/";
        CallingFunction billingExport = add(names, code, new Settings("BillingExport", "billing-export",
                "BillingExport: a UTC day of call detail records to S3 for finance", 2048, Duration.minutes(15),
                reserve ? Optional.of(1) : Optional.empty()))
                .reads(data.table(CALL_DETAIL_RECORDS))
                .uses(exports, PolicyStatement.Builder.create()
                        .actions(List.of("s3:PutObject", "s3:AbortMultipartUpload"))
                        .resources(List.of(exports.bucket().arnForObjects(exportPrefix + "*"))).build());
        Nag.suppress(billingExport, "IAM5", "BillingExport writes one object per day under " + exportPrefix
                        + " (calls/YYYY/MM/DD/...); the key is only known at run time, and the grant is limited to"
                        + " PutObject/AbortMultipartUpload under that prefix of the one bucket.",
                List.of("regex:/^Resource::.*\\/" + exportPrefix.replace("/", "") + "\\/\\*$/"));

        // The mobile API: a user waits on every answer (1 GB for CPU); the HTTP API stage throttles it.
        CallingFunction callApi = add(names, code, new Settings("CallApi", "call-api",
                "CallApi: the mobile apps' HTTP API", 1024, Duration.seconds(10), Optional.empty()))
                .reads(data.table(CALLS))
                .reads(data.table(SESSIONS))
                .reads(data.table(ACCOUNTS))
                .reads(data.table(CALL_MEDIA))
                .writes(data.table(CALL_REQUESTS))
                .writes(data.table(CALL_ATTEMPTS))
                .writes(data.table(DEVICES))
                .writes(data.table(BLOCKS))
                .deletesFrom(data.table(BLOCKS)) // an unblock
                .reads(data.table(SUBSCRIBERS))
                // The user's own settings, and nothing the operator provisions (number, plan, allow-lists).
                .updatesOnly(data.table(SUBSCRIBERS), List.of(DynamoDbSubscriberDirectory.SILENCE_UNKNOWN_CALLERS))
                .sendsTo(callStateChanges);

        // The operators' API: a handful of requests a day; each top-up, adjustment or block is one small write.
        CallingFunction operatorApi = add(names, code, new Settings("OperatorApi", "operator-api",
                "OperatorApi: top-ups, adjustments, PSTN blocks and rate decks for operators (IAM)", 512,
                Duration.seconds(10), Optional.empty()))
                .writes(data.table(ACCOUNTS))
                .reads(data.table(SUBSCRIBERS))
                // The PSTN block alone: never the number, plan or allow-lists provisioning keeps there.
                .updatesOnly(data.table(SUBSCRIBERS), List.of(DynamoDbSubscriberDirectory.PSTN_BLOCK));
        rateDecks(names, data, operatorApi, callStateManager);

        // The apps' WebSocket events (connect, disconnect, heartbeats): one small message each, 512 MB.
        CallingFunction realtime = add(names, code, new Settings("Realtime", "realtime",
                "Realtime: the apps' WebSocket connections", 512, Duration.seconds(10), Optional.empty()))
                .sendsTo(connectionEvents);
        // The same zip as the $connect authorizer: checks a Cognito JWT (JWKS cached per container), no AWS
        // access at all; 5 s is plenty even for a cold JWKS fetch.
        CallingFunction realtimeAuthorizer = add(names, code, new Settings("RealtimeAuthorizer", "realtime",
                "RealtimeAuthorizer: verifies the app's Cognito token on WebSocket $connect", 512,
                Duration.seconds(5), Optional.empty()))
                .env("quarkus.lambda.handler", "RealtimeAuthorizer")
                .env("calling.auth.issuer", issuer(users))
                .env("calling.auth.audience", mobileApp.getUserPoolClientId());

        // The VoIP switch in AWS, unless an external switch fleet consumes switch-commands.fifo.
        Optional<CallingFunction> voipSwitch = config.switchKind() == SwitchKind.CHIME_MEETINGS
                ? Optional.of(chimeMeetingsSwitch(names, code, config, data, switchCommands, meetingEvents, callStateChanges))
                : Optional.empty();

        httpApi = new PublicHttpApi(this, "HttpApi", names.prefix() + "-api", users, mobileApp, callApi, carrierWebhook);
        realtimeApi = new RealtimeApi(this, "RealtimeApi", names.prefix() + "-realtime", realtime, realtimeAuthorizer);
        operatorHttpApi = new OperatorHttpApi(this, "OperatorHttpApi", names.prefix() + "-operator-api", operatorApi);
        if (config.apiGatewayCloudWatchRole()) {
            ApiGatewayLogging logging = new ApiGatewayLogging(this, "ApiGatewayLogging");
            realtimeApi.stage().getNode().addDependency(logging);
        }

        // CallStateManager pushes call updates to the apps' connections.
        pushesToConnections(callStateManager);
        // The Switch pushes each party's media join info to that party's connection.
        voipSwitch.ifPresent(this::pushesToConnections);
        meetingEventsRule = voipSwitch.map(function -> new MeetingEventsRule(this, "MeetingEvents", names, meetingEvents));

        wireChime(config, sipMediaHandler, callStateManager);
        if (joinsMeetings(config)) {
            // A Chime carrier without a Voice Connector seats its answered legs in the call's meeting; the
            // Switch deletes the meeting when the call ends, so it must be the one deployed.
            if (config.switchKind() != SwitchKind.CHIME_MEETINGS) {
                throw new IllegalArgumentException("a Chime carrier without chimeVoiceConnectorArn joins answered legs"
                        + " to the call's Chime SDK meeting: deploy the Switch (switch=chime-meetings) or give a"
                        + " Voice Connector");
            }
            usesChimeMeetings(callStateManager, config);
        }
        if (joinsMeetings(config) || hasTwilio(config)) {
            // The call's media: a meeting's attendees (Chime), or the caller's Twilio Voice token, stored for
            // GET /v1/calls/{callId}/media while it is pushed to the caller's connection.
            callStateManager.writes(data.table(CALL_MEDIA));
        }
        wireCarriers(config, callStateManager, carrierWebhook, httpApi.url() + PublicHttpApi.CARRIER_WEBHOOK_PATH
                .substring(1));
        // A rate deck is scheduled for a carrier the CallStateManager routes to, and for no other: the same list
        // (none in a VoIP-only deployment, as the CallStateManager gets none).
        operatorApi.sharesEnvironmentOf(callStateManager, PhysicalNames.environmentVariable(CARRIER_IDS)::equals);
        // After everything that configures the CallStateManager: the sweeper starts the same application.
        CallingFunction callSweeper = callSweeper(names, code, data, callStateManager, callStateChanges);
        CallingFunction dlqRedrive = dlqRedrive(names, code, data);

        // 00:30 UTC: exports the day before (the event's time minus a day), after late-ending calls
        // have written their records. Retries are safe: a day's export rewrites identical objects.
        // A day whose export failed must not pass unnoticed (finance would miss it): what EventBridge cannot
        // deliver and what still fails after Lambda's two retries lands in one queue, alarmed, holding the
        // scheduled event (its time names the day to re-run).
        Queue billingExportFailures = MeetingEventsRule.deadLetterQueue(new Construct(this, "BillingExportFailures"),
                names.prefix() + "-billing-export-failures", "This queue is itself a dead-letter queue: the"
                        + " BillingExport schedule target's and the function's on-failure destination (cdk-nag"
                        + " recognises only queues named in another queue's redrive policy); alarmed, read by hand.");
        Rule.Builder.create(this, "BillingExportSchedule")
                .description("Daily BillingExport of the previous UTC day")
                .schedule(Schedule.cron(CronOptions.builder().minute("30").hour("0").build()))
                .targets(List.of(new LambdaFunction(billingExport.alias(), LambdaFunctionProps.builder()
                        .retryAttempts(2).maxEventAge(Duration.hours(6)).deadLetterQueue(billingExportFailures).build())))
                .build();
        billingExport.alias().configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(2).maxEventAge(Duration.hours(6))
                .onFailure(new SqsDestination(billingExportFailures)).build());

        // Every 5 minutes. A sweep that cannot be delivered or fails is not worth keeping: the next
        // one does the same work, so deliveries are retried for one period at most and a failed run
        // is not run again by Lambda (which would overlap the next one).
        // A sweep EventBridge cannot deliver (a broken permission, the function deleted) is not retried, but it
        // must not go unnoticed: the CallSweeper's Errors alarm cannot see a run that never started.
        Queue sweepsNotDelivered = MeetingEventsRule.deadLetterQueue(new Construct(this, "CallSweeperSchedule-Dlq"),
                names.prefix() + "-call-sweeper-schedule-dlq", "This queue is itself a dead-letter queue: the"
                        + " CallSweeper schedule target's (cdk-nag recognises only queues named in another queue's"
                        + " redrive policy); alarmed, read by hand.");
        Rule.Builder.create(this, "CallSweeperSchedule")
                .description("CallSweeper: overdue calls and carriers' calls in progress, every "
                        + SWEEP_PERIOD.toHumanString())
                .schedule(Schedule.rate(SWEEP_PERIOD))
                .targets(List.of(new LambdaFunction(callSweeper.alias(), LambdaFunctionProps.builder()
                        .retryAttempts(2).maxEventAge(SWEEP_PERIOD).deadLetterQueue(sweepsNotDelivered).build())))
                .build();
        callSweeper.alias().configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(0).maxEventAge(SWEEP_PERIOD).build());
        Nag.suppress(callSweeper.alias(), "Serverless-LambdaAsyncFailureDestination", "A failed sweep is dropped on"
                + " purpose (no retry, no destination): the next run, 5 minutes later, does the same work, and the"
                + " CallSweeper's Errors alarm reports the failure; a stored sweep event would never be replayed.");

        monitoring = new Monitoring(this, "Monitoring", names.prefix() + "-alarms", config.alarmEmail());
        Resources.QUEUES.forEach(queue -> monitoring.watch(data.queue(queue)));
        functions.values().forEach(monitoring::watch);
        functions.values().forEach(function -> function.noDeadLetterQueue(Optional.ofNullable(
                NO_DEAD_LETTER_QUEUE_BECAUSE.get(function.settings().name())).orElseThrow(() -> new IllegalStateException(
                        function.settings().name() + ": say how it is invoked and where its failures go"
                                + " (NO_DEAD_LETTER_QUEUE_BECAUSE)"))));
        monitoring.watchLimitAlerts(names);
        monitoring.watchDeadLetters("BillingExportFailures", billingExportFailures, "A scheduled BillingExport failed"
                + " after its retries (or could not be invoked) and is in " + names.prefix() + "-billing-export-failures:"
                + " the message's time is the run's (the day before is the day to export); fix, then re-run that day"
                + " (BillingExportFunction output) and delete the message");
        monitoring.watchDeadLetters("CallSweeperScheduleDeadLetters", sweepsNotDelivered, "EventBridge could not"
                + " invoke the CallSweeper (its permission or alias?) and left the event in " + names.prefix()
                + "-call-sweeper-schedule-dlq: overdue calls are not swept; delete the message once fixed");
        monitoring.watch(httpApi);
        monitoring.watch(realtimeApi);
        Resources.TABLES.forEach(table -> monitoring.watch(data.table(table)));
        config.pushApplications().values().stream().sorted().forEach(monitoring::watchPushApplication);
        config.carriers().keySet().stream().sorted().forEach(monitoring::watchCarrier);
        if (!config.carriers().isEmpty()) {
            monitoring.watchScheduledRateDecks();
        }
        Map<String, software.amazon.awscdk.services.sqs.IQueue> deadLetters = new LinkedHashMap<>();
        Resources.QUEUES.forEach(queue -> deadLetters.put(queue.deadLetterName(), data.queue(queue).deadLetterQueue()));
        meetingEventsRule.ifPresent(rule -> deadLetters.put("meeting-events-rule-dlq", rule.deadLetterQueue()));
        deadLetters.put("limit-alerts-dlq", monitoring.limitAlertsDeadLetters());
        deadLetters.put("billing-export-failures", billingExportFailures);
        deadLetters.put("call-sweeper-schedule-dlq", sweepsNotDelivered);
        dashboard = new CallPathDashboard(this, "CallPath", names, httpApi, realtimeApi,
                Resources.QUEUES.stream().map(data::queue).toList(), deadLetters, List.copyOf(functions.values()),
                Resources.TABLES.stream().map(data::table).toList(),
                config.pushApplications().values().stream().sorted().toList(),
                config.carriers().keySet().stream().sorted().toList());
        // The abuse-limit alerts go to the account's default event bus (EventBridgeLimitAlerts), routed above.
        PolicyStatement putLimitAlerts = PolicyStatement.Builder.create().actions(List.of("events:PutEvents"))
                .resources(List.of("arn:" + Aws.PARTITION + ":events:" + Aws.REGION + ":" + Aws.ACCOUNT_ID
                        + ":event-bus/default")).build();
        callStateManager.allow(putLimitAlerts);
        callApi.allow(putLimitAlerts);
        meetingEventsRule.ifPresent(rule -> monitoring.watchDeadLetters("MeetingEventsRuleDeadLetters",
                rule.deadLetterQueue(), "A Chime meeting event could not be delivered to meeting-events and is in "
                        + names.prefix() + "-meeting-events-rule-dlq: a call may have missed a hang-up; check the"
                        + " queue's policy (data stack) and the rule's target"));
        checkConcurrency();

        output("HttpApiUrl", httpApi.url(), "The mobile API (/v1/...) and the carrier webhooks (/carrier-webhooks/{providerId})");
        output("OperatorApiUrl", operatorHttpApi.url(), "The operators' API (/ops/v1/..., SigV4-signed for the"
                + " service execute-api by a principal allowed execute-api:Invoke on OperatorApiInvokeArn)");
        output("OperatorApiInvokeArn", operatorHttpApi.invokeArn(), "What an operator's IAM policy allows"
                + " execute-api:Invoke on");
        output("RealtimeUrl", realtimeApi.url(), "The apps' WebSocket (?token=<Cognito access token>)");
        output("RealtimeCallbackUrl", realtimeApi.callbackUrl(), "API Gateway Management API endpoint of the WebSocket");
        output("SipMediaHandlerArn", sipMediaHandler.alias().getFunctionArn(),
                "The SIP media application's endpoint: this alias ARN");
        output("BillingExportFunction", billingExport.function().getFunctionName(),
                "Invoke with {\"day\": \"YYYY-MM-DD\"} to re-run a day");
        output("DlqRedriveFunction", dlqRedrive.function().getFunctionName(),
                "Invoke with {\"queue\": \"<queue of Resources>\", \"max\": 1000, \"dryRun\": true} to move a"
                        + " queue's dead-letter messages back to it after a fix");
        output("DashboardName", dashboard.dashboard().getDashboardName(), "The call path's CloudWatch dashboard");
        output("AlarmTopicArn", monitoring.topic().getTopicArn(), "Subscribe the on-call rota here");
    }

    /**
     * The Switch: carries out the call state manager's ring, bridge and release commands on Amazon
     * Chime SDK Meetings (one meeting per call, an attendee per party connection), keeps each call's
     * media in call-media, pushes join info to the parties' connections, and turns Chime's meeting
     * events into call events. A user waits on its ring and bridge: 1 GB for CPU, like the other
     * functions on the call path. Its timeout is a sixth of its queues' visibility (60 s: 10 s).
     * switch-commands in batches of one: a command is two or three Chime requests (each may take up
     * to the client's 8 s timeout), so a batch of one neither keeps another call's command waiting
     * behind it nor outlasts the timeout. Reserved like the other call paths: the sum of its event
     * sources' concurrency, which is also a cap on the load it puts on Chime's API rate limits.
     */
    private CallingFunction chimeMeetingsSwitch(PhysicalNames names, FunctionCode code, CallingConfig config,
            DataByName data, QueueRef switchCommands, QueueRef meetingEvents, QueueRef callStateChanges) {
        int commands = 20;
        int events = 10;
        CallingFunction function = add(names, code, new Settings("Switch", "switch",
                "Switch: switch commands on Amazon Chime SDK Meetings, meeting events to call events", 1024,
                CallingFunction.timeoutForQueues(switchCommands, meetingEvents),
                config.reservedConcurrency() ? Optional.of(commands + events) : Optional.empty()))
                .consumes(switchCommands, 1, commands)
                .consumes(meetingEvents, 10, events)
                .writes(data.table(CALL_MEDIA))
                .sendsTo(callStateChanges)
                // It shortens a failed command's visibility (ChangeMessageVisibility, granted with the
                // event source) to retry sooner, so it needs the queue's URL too.
                .env(PhysicalNames.queueProperty(SWITCH_COMMANDS), switchCommands.queue().getQueueUrl());
        usesChimeMeetings(function, config);
        return function;
    }

    /**
     * The media and control regions of Chime SDK Meetings, and the Chime actions on meetings. Meetings
     * are created at run time with ids Chime chooses: this account's meetings in the control region,
     * and only the five calls the switch makes.
     */
    private void usesChimeMeetings(CallingFunction function, CallingConfig config) {
        function.env("calling.chime-meetings.media-region", config.chimeMeetings().mediaRegion().orElse(Aws.REGION));
        config.chimeMeetings().controlRegion()
                .ifPresent(region -> function.env("calling.chime-meetings.region", region));
        String meetings = formatArn(ArnComponents.builder().service("chime")
                .region(config.chimeMeetings().controlRegion().orElse(null))
                .resource("meeting").resourceName("*").arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build());
        function.allow(PolicyStatement.Builder.create().actions(SWITCH_CHIME_ACTIONS).resources(List.of(meetings)).build());
        Nag.suppress(function, "IAM5", "Chime SDK meeting ids are chosen by Chime when the switch creates a meeting,"
                        + " at run time; the grant is limited to this account's meetings in the Chime control region"
                        + " and to creating, reading and deleting meetings and attendees.",
                List.of("regex:/^Resource::arn:<AWS::Partition>:chime:(<AWS::Region>|[a-z0-9-]+):<AWS::AccountId>:meeting\\/\\*$/"));
    }

    /**
     * How each function is invoked and where its failures go, which is why none has a dead-letter queue of its
     * own (Lambda uses one for asynchronous invocations only): a new function must say so here.
     */
    static final Map<String, String> NO_DEAD_LETTER_QUEUE_BECAUSE;

    static {
        String sqs = "Invoked synchronously by its SQS event source mapping, never asynchronously: a message that"
                + " keeps failing goes to its queue's dead-letter queue (redrive policy), which alarms.";
        String http = "Invoked synchronously by the HTTP API, never asynchronously: the caller gets the 5xx (carriers"
                + " retry their callbacks, the apps retry); the function's Errors and the API's 5xx alarms report it.";
        String webSocket = "Invoked synchronously by the WebSocket API, never asynchronously: the app gets the error"
                + " (and reconnects); the function's Errors and the stage's ExecutionError alarms report it.";
        Map<String, String> because = new LinkedHashMap<>();
        for (String name : List.of("SessionService", "CallStateManager", "PushSender", "Switch")) {
            because.put(name, sqs);
        }
        because.put("CarrierWebhook", http);
        because.put("CallApi", http);
        because.put("OperatorApi", http.replace("(carriers retry their callbacks, the apps retry)",
                "(operators retry with the same Idempotency-Key)"));
        because.put("Realtime", webSocket);
        because.put("RealtimeAuthorizer", webSocket);
        because.put("SipMediaHandler", "Invoked synchronously by the Chime SIP media application, which fails the call"
                + " leg on an error; the function's Errors alarm reports it.");
        because.put("BillingExport", "Invoked asynchronously by its schedule: a run that still fails after Lambda's"
                + " retries goes to its on-failure destination billing-export-failures (a destination supersedes a"
                + " dead-letter queue: it also records the error), which alarms.");
        because.put("CallSweeper", "Invoked asynchronously every 5 minutes: a failed sweep is dropped on purpose, the"
                + " next run does the same work; the function's Errors alarm reports it.");
        because.put("DlqRedrive", "Invoked synchronously by an operator (aws lambda invoke), who gets the error in the"
                + " answer.");
        NO_DEAD_LETTER_QUEUE_BECAUSE = Map.copyOf(because);
    }

    /** How often the CallSweeper runs. */
    static final Duration SWEEP_PERIOD = Duration.minutes(5);

    /**
     * The CallSweeper, the backstop behind every call timer: the CallStateManager's package with its
     * other handler, on a schedule. A sweep queries the calls table's sweep index for the calls not yet
     * closed out, reads them in batches, sends a check through call-state-changes for each overdue one,
     * sets each carrier's calls in progress in carrier-health to the recount, and releases holds older than
     * the longest call whose call was never recorded (the accounts' holds index, the account's own
     * writes); its role allows exactly that. The same Quarkus application starts as in the CallStateManager, and every property
     * its beans require must be set, so it gets the CallStateManager's environment; not the carriers'
     * settings and credentials (CALLING_CARRIERS_*), which only the call state manager's carriers read
     * (the sweeper needs their ids only). No SnapStart priming: it would build the call state manager and
     * read tables the sweeper never touches, to save a once-every-5-minutes job some latency. 512 MB and
     * 2 minutes: a sweep is 16 shard queries, a batch read per 100 open calls and a send per overdue call,
     * and must end well inside its period.
     */
    private CallingFunction callSweeper(PhysicalNames names, FunctionCode code, DataByName data,
            CallingFunction callStateManager, QueueRef callStateChanges) {
        DataByName.TableRef calls = data.table(CALLS);
        DataByName.TableRef carrierHealth = data.table(CARRIER_HEALTH);
        DataByName.TableRef accounts = data.table(Resources.ACCOUNTS);
        return add(names, code, new Settings("CallSweeper", callStateManager.settings().module(),
                "CallSweeper: checks overdue calls, recounts the carriers' calls in progress", 512,
                Duration.minutes(2), Optional.empty()))
                .sharesEnvironmentOf(callStateManager, variable -> !variable.startsWith("CALLING_CARRIERS_"))
                .env("quarkus.lambda.handler", "CallSweeper")
                .env("calling.snapstart.priming", "false")
                .allow(statement(List.of("dynamodb:Query"),
                        calls.table().getTableArn() + "/index/" + Resources.CALLS_SWEEP_INDEX))
                .allow(statement(List.of("dynamodb:BatchGetItem", "dynamodb:GetItem"), calls.table().getTableArn()))
                .allow(statement(List.of("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"),
                        carrierHealth.table().getTableArn()))
                // Holds older than the longest call whose call was never recorded are released (a money write).
                .allow(statement(List.of("dynamodb:Query"),
                        accounts.table().getTableArn() + "/index/" + Resources.ACCOUNTS_HOLDS_INDEX))
                .allow(statement(List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"),
                        accounts.table().getTableArn()))
                .allow(statement(List.of("sqs:SendMessage"), callStateChanges.queue().getQueueArn()));
    }

    /**
     * Carriers' rate decks that operators replace without a deploy: they upload a deck into the rate-decks bucket and
     * schedule it ({@code PUT /ops/v1/carriers/{carrierId}/rate-deck}); the OperatorApi reads the object (its current
     * version, whose id it records) to validate it, puts the schedule into the rate-decks table (conditionally: a
     * new instant, or one still ahead), reads and lists a carrier's schedules ({@code GET .../rate-decks}); the
     * CallStateManager queries each carrier's schedules and reads the deck in effect by the version the schedule
     * names. Both get the table's and the bucket's names (so does the CallSweeper, which starts the CallStateManager's
     * application with its environment, but it neither prices nor routes a call: no grant). The bucket is SSE-S3
     * encrypted: no KMS grant.
     */
    private static void rateDecks(PhysicalNames names, DataByName data, CallingFunction operatorApi,
            CallingFunction callStateManager) {
        DataByName.TableRef schedules = data.table(RATE_DECKS);
        DataByName.BucketRef decks = data.bucket(RATE_DECK_OBJECTS);
        Supplier<PolicyStatement> readDecks = () -> PolicyStatement.Builder.create().actions(READ_RATE_DECK_OBJECTS)
                .resources(List.of(decks.bucket().arnForObjects("*"))).build();
        operatorApi.accesses(schedules, OPERATOR_RATE_DECK_ACTIONS)
                .uses(decks, readDecks.get())
                // Without it S3 answers a key that does not exist with 403 instead of 404 (NoSuchKey), and the
                // operator would be told the API failed instead of that there is no such object. It lists keys only.
                .allow(statement(List.of("s3:ListBucket"), decks.bucket().getBucketArn()));
        callStateManager.accesses(schedules, List.of("dynamodb:Query"))
                .uses(decks, readDecks.get());
        String objects = "Resource::arn:<AWS::Partition>:s3:::"
                + names.bucketName(RATE_DECK_OBJECTS, "<AWS::AccountId>", "<AWS::Region>") + "/*";
        for (CallingFunction function : List.of(operatorApi, callStateManager)) {
            Nag.suppress(function, "IAM5", "Operators name a rate deck's object key when they upload it"
                    + " (<carrier>/<deck>.csv), so it is only known at run time; the grant is limited to reading"
                    + " objects (GetObject, GetObjectVersion) of the one rate-decks bucket.", List.of(objects));
        }
    }

    /** The OperatorApi on rate-decks: reads a schedule, puts one (always conditionally), lists a carrier's; no update or delete. */
    static final List<String> OPERATOR_RATE_DECK_ACTIONS = List.of("dynamodb:GetItem", "dynamodb:PutItem",
            "dynamodb:Query");
    /**
     * Reading a rate deck: the current version (GetObject; also a deck pinned by its ETag, where a bucket is not
     * versioned) or the version a schedule names (GetObjectVersion).
     */
    static final List<String> READ_RATE_DECK_OBJECTS = List.of("s3:GetObject", "s3:GetObjectVersion");
    /** The carriers the CallStateManager routes to, by id (absent without carriers). */
    static final String CARRIER_IDS = "calling.carrier-ids";

    /**
     * DlqRedrive, for operators after a fix: moves a queue's dead-letter messages back to the queue
     * ({@code {"queue": "call-state-changes.fifo"}}, see functions/dlq-redrive); nothing triggers it. It
     * finds the queues by name ({@code calling-<stage>-} before Resources' names), so for every queue of
     * Resources it may receive, delete, release and count on the dead-letter queue and send to the queue,
     * and nothing else. The queues are encrypted with SQS-managed keys: no KMS grant. Up to Lambda's 15
     * minutes (it stops receiving 20 s before its deadline); 512 MB for SQS calls only.
     */
    private CallingFunction dlqRedrive(PhysicalNames names, FunctionCode code, DataByName data) {
        List<QueueRef> queues = Resources.QUEUES.stream().map(data::queue).toList();
        return add(names, code, new Settings("DlqRedrive", "dlq-redrive",
                "DlqRedrive: an operator moves a queue's dead-letter messages back to it", 512, Duration.minutes(15),
                Optional.empty()))
                .env("calling.redrive.name-prefix", names.prefix())
                .allow(PolicyStatement.Builder.create().actions(REDRIVE_DEAD_LETTER_ACTIONS)
                        .resources(queues.stream().map(queue -> queue.deadLetterQueue().getQueueArn()).toList()).build())
                .allow(PolicyStatement.Builder.create().actions(REDRIVE_QUEUE_ACTIONS)
                        .resources(queues.stream().map(queue -> queue.queue().getQueueArn()).toList()).build());
    }

    /** What DlqRedrive does on a dead-letter queue: find it, count, receive, delete what it moved, release the rest. */
    static final List<String> REDRIVE_DEAD_LETTER_ACTIONS = List.of("sqs:GetQueueUrl", "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility");
    /** What DlqRedrive does on a queue: find it and send the messages back. */
    static final List<String> REDRIVE_QUEUE_ACTIONS = List.of("sqs:GetQueueUrl", "sqs:SendMessage");

    private static PolicyStatement statement(List<String> actions, String resource) {
        return PolicyStatement.Builder.create().actions(actions).resources(List.of(resource)).build();
    }

    /** What the Switch does on Amazon Chime SDK Meetings, and nothing else. */
    static final List<String> SWITCH_CHIME_ACTIONS = List.of("chime:CreateMeeting", "chime:CreateAttendee",
            "chime:DeleteAttendee", "chime:DeleteMeeting", "chime:GetMeeting");

    /** ManageConnections on the WebSocket API's live stage, and its callback URL as {@code calling.realtime.endpoint}. */
    private void pushesToConnections(CallingFunction function) {
        realtimeApi.stage().grantManagementApiAccess(function.role());
        function.env("calling.realtime.endpoint", realtimeApi.callbackUrl());
        Nag.suppress(function, "IAM5", "execute-api:ManageConnections must name the connection ids, which"
                        + " exist only at run time; the grant is limited to this WebSocket API's live stage.",
                List.of("regex:/^Resource::arn:<AWS::Partition>:execute-api:.*\\/@connections\\/\\*$/"));
    }

    /** The {@code iss} of the pool's tokens, exactly as the HTTP API's JWT authorizer expects it. */
    static String issuer(IUserPool users) {
        return "https://cognito-idp." + Aws.REGION + ".amazonaws.com/" + users.getUserPoolId();
    }

    private CallingFunction add(PhysicalNames names, FunctionCode code, Settings settings) {
        CallingFunction function = new CallingFunction(this, settings.name(), names, settings, code);
        functions.put(settings.name(), function);
        return function;
    }

    /**
     * The SIP media application, its phone number and the Voice Connector are made outside CDK
     * (README): the SipMediaHandler learns them from context, Chime may invoke it, and the
     * CallStateManager may place and update calls on that one application.
     */
    private void wireChime(CallingConfig config, CallingFunction sipMediaHandler, CallingFunction callStateManager) {
        Permission.Builder invoke = Permission.builder()
                .principal(new ServicePrincipal("voiceconnector.chime.amazonaws.com"))
                .action("lambda:InvokeFunction")
                .sourceAccount(Aws.ACCOUNT_ID);
        config.chime().ifPresent(chime -> invoke.sourceArn(sipMediaApplicationArn(chime.sipMediaApplicationId())));
        sipMediaHandler.alias().addPermission("ChimeInvoke", invoke.build());
        config.chime().ifPresent(chime -> {
            sipMediaHandler.env("calling.chime.sip-media-application-id", chime.sipMediaApplicationId())
                    .env("calling.chime.from-phone-number", chime.fromPhoneNumber());
            chime.voiceConnectorArn().ifPresent(arn -> sipMediaHandler.env("calling.chime.voice-connector-arn", arn));
        });
        // The SipMediaHandler reports legs as the carrier routing knows them: the CHIME carrier on this application.
        config.carriers().values().stream()
                .filter(carrier -> carrier.adapter() == Adapter.CHIME
                        && !carrier.settings().containsKey("sip-media-application-id"))
                .findFirst().ifPresent(carrier -> sipMediaHandler.env("calling.chime.provider-id", carrier.id()));
        List<String> applications = new ArrayList<>();
        for (Carrier carrier : config.carriers().values()) {
            if (carrier.adapter() == Adapter.CHIME) {
                applications.add(sipMediaApplicationArn(chimeSetting(config, carrier, "sip-media-application-id")));
            }
        }
        if (!applications.isEmpty()) {
            callStateManager.allow(PolicyStatement.Builder.create()
                    .actions(List.of("chime:CreateSipMediaApplicationCall", "chime:UpdateSipMediaApplicationCall"))
                    .resources(applications).build());
        }
    }

    private String sipMediaApplicationArn(String id) {
        return formatArn(ArnComponents.builder().service("chime").resource("sma").resourceName(id)
                .arnFormat(ArnFormat.SLASH_RESOURCE_NAME).build());
    }

    /**
     * {@code calling.carrier-ids} and {@code calling.carriers.<id>.*} for the CallStateManager (all
     * carriers) and the CarrierWebhook (REST and Twilio carriers). A Chime carrier takes the Chime
     * resources from context unless it names its own; a REST or Twilio carrier's status callback URL
     * defaults to this API's webhook route. No carrier's credentials reach CloudFormation or an
     * environment variable: the functions get the ARNs of the Secrets Manager secrets (a Twilio carrier's
     * {@code secret-id}, a REST carrier's {@code api-key-secret-id} and {@code webhook-secret-id}) and may
     * read exactly those at run time, so a rotated secret is picked up without a deployment.
     */
    private static void wireCarriers(CallingConfig config, CallingFunction callStateManager,
            CallingFunction carrierWebhook, String webhookBaseUrl) {
        if (config.carriers().isEmpty()) {
            return; // VoIP only
        }
        callStateManager.env(CARRIER_IDS, String.join(",", config.carriers().keySet()));
        for (Carrier carrier : config.carriers().values()) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("adapter", carrier.adapter().name());
            settings.putAll(carrier.settings());
            if (carrier.adapter() == Adapter.CHIME) {
                settings.put("sip-media-application-id", chimeSetting(config, carrier, "sip-media-application-id"));
                settings.put("from-number", chimeSetting(config, carrier, "from-number"));
                voiceConnector(config, carrier).ifPresent(arn -> settings.put("voice-connector-arn", arn));
            } else {
                settings.putIfAbsent("status-callback-url", webhookBaseUrl + carrier.id());
            }
            settings.keySet().removeAll(DEPLOYMENT_ONLY);
            String prefix = "calling.carriers." + carrier.id() + ".";
            if (carrier.adapter() == Adapter.TWILIO) {
                settings.forEach((name, value) -> {
                    callStateManager.env(prefix + name, value);
                    if (!ROUTING_ONLY.contains(name)) {
                        carrierWebhook.env(prefix + name, value);
                    }
                });
                readsSecret(carrier, "secret-id", callStateManager);
                readsSecret(carrier, "secret-id", carrierWebhook);
                continue;
            }
            settings.forEach((name, value) -> {
                if (!name.equals("webhook-secret-id")) {
                    callStateManager.env(prefix + name, value);
                }
                if (carrier.adapter() == Adapter.REST) {
                    carrierWebhook.env(prefix + name, value);
                }
            });
            if (carrier.adapter() == Adapter.REST) {
                // The manager dials with the key; the webhook verifies callbacks and hangs orphan calls up with the key.
                readsSecret(carrier, "api-key-secret-id", callStateManager);
                readsSecret(carrier, "webhook-secret-id", carrierWebhook);
                readsSecret(carrier, "api-key-secret-id", carrierWebhook);
            }
        }
    }

    /** Settings only the CallStateManager's provider routing reads: the CarrierWebhook is not given them. */
    static final Set<String> ROUTING_ONLY = Set.of("rate-deck", "quality");
    /** Carrier settings for this app, not for the functions. */
    static final Set<String> DEPLOYMENT_ONLY = Set.of("kms-key-arn");

    /**
     * {@code secretsmanager:GetSecretValue} on the carrier's secret that {@code setting} names, the ARN as CDK's
     * {@code Secret.fromSecretCompleteArn} / {@code fromSecretPartialArn} would grant it (a partial ARN with
     * {@code -??????}: that name with any one suffix, not a prefix of other names). The functions ask for
     * the current version by its ARN and need nothing else of Secrets Manager (no DescribeSecret). With a
     * customer-managed key in context, {@code kms:Decrypt} on that key, only through Secrets Manager in the
     * secret's region and only for this secret (the encryption context Secrets Manager sends).
     */
    private static void readsSecret(Carrier carrier, String setting, CallingFunction function) {
        CallingConfig.SecretArn secret = carrier.secrets().get(setting);
        function.allow(PolicyStatement.Builder.create()
                .actions(List.of("secretsmanager:GetSecretValue"))
                .resources(List.of(secret.arnForPolicies()))
                .build());
        carrier.kmsKeyArn().ifPresent(key -> function.allow(PolicyStatement.Builder.create()
                .actions(List.of("kms:Decrypt"))
                .resources(List.of(key))
                .conditions(Map.of("StringEquals",
                        Map.of("kms:ViaService", "secretsmanager." + secret.region() + ".amazonaws.com"),
                        "StringLike", Map.of("kms:EncryptionContext:SecretARN", secret.arnForPolicies())))
                .build()));
    }

    /** The Voice Connector a Chime carrier bridges answered legs through; none: they join the call's meeting. */
    private static Optional<String> voiceConnector(CallingConfig config, Carrier carrier) {
        if (carrier.settings().containsKey("voice-connector-arn")) {
            return Optional.of(carrier.settings().get("voice-connector-arn"));
        }
        return config.chime().flatMap(CallingConfig.Chime::voiceConnectorArn);
    }

    private static boolean hasTwilio(CallingConfig config) {
        return config.carriers().values().stream().anyMatch(carrier -> carrier.adapter() == Adapter.TWILIO);
    }

    private static boolean joinsMeetings(CallingConfig config) {
        return config.carriers().values().stream()
                .anyMatch(carrier -> carrier.adapter() == Adapter.CHIME && voiceConnector(config, carrier).isEmpty());
    }

    private static String chimeSetting(CallingConfig config, Carrier carrier, String name) {
        if (carrier.settings().containsKey(name)) {
            return carrier.settings().get(name);
        }
        CallingConfig.Chime chime = config.chime().orElseThrow(() -> new IllegalArgumentException("carrier "
                + carrier.id() + " uses Chime: give chimeSipMediaApplicationId, chimeFromPhoneNumber and"
                + " in context (or its own " + name + ")"));
        return switch (name) {
            case "sip-media-application-id" -> chime.sipMediaApplicationId();
            case "from-number" -> chime.fromPhoneNumber();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** A function's event sources may not run more instances than its reserved concurrency allows. */
    private void checkConcurrency() {
        for (CallingFunction function : functions.values()) {
            function.settings().reservedConcurrency().ifPresent(reserved -> function.eventSourceConcurrency()
                    .filter(sources -> sources > reserved)
                    .ifPresent(sources -> {
                        throw new IllegalStateException(function.settings().name() + ": event sources may run "
                                + sources + " instances but only " + reserved + " are reserved; SQS would be throttled");
                    }));
        }
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    public Map<String, CallingFunction> functions() {
        return Map.copyOf(functions);
    }

    public CallingFunction function(String name) {
        return functions.get(name);
    }

    public PublicHttpApi httpApi() {
        return httpApi;
    }

    public OperatorHttpApi operatorHttpApi() {
        return operatorHttpApi;
    }

    public RealtimeApi realtimeApi() {
        return realtimeApi;
    }

    public Monitoring monitoring() {
        return monitoring;
    }

    public CallPathDashboard dashboard() {
        return dashboard;
    }

    /** The rule that sends Chime's meeting events to meeting-events, where the Switch is deployed. */
    public Optional<MeetingEventsRule> meetingEventsRule() {
        return meetingEventsRule;
    }
}
