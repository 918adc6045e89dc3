package dev.calling.infra.service;

import static dev.calling.adapters.Resources.ACCOUNTS;
import static dev.calling.adapters.Resources.BILLING_EXPORTS;
import static dev.calling.adapters.Resources.CALLS;
import static dev.calling.adapters.Resources.CALL_DETAIL_RECORDS;
import static dev.calling.adapters.Resources.CALL_REQUESTS;
import static dev.calling.adapters.Resources.CALL_STATE_CHANGES;
import static dev.calling.adapters.Resources.CALL_TIMERS;
import static dev.calling.adapters.Resources.CARRIER_HEALTH;
import static dev.calling.adapters.Resources.CARRIER_LEGS;
import static dev.calling.adapters.Resources.CONNECTION_EVENTS;
import static dev.calling.adapters.Resources.SESSIONS;
import static dev.calling.adapters.Resources.SUBSCRIBERS;
import static dev.calling.adapters.Resources.SWITCH_COMMANDS;

import dev.calling.adapters.Resources;
import dev.calling.adapters.billing.BillingExport;
import dev.calling.infra.CallingConfig;
import dev.calling.infra.CallingConfig.Adapter;
import dev.calling.infra.CallingConfig.Carrier;
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
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.SecretValue;
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
import software.amazon.awscdk.services.lambda.Permission;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * The code and its front doors: every function, the HTTP and WebSocket APIs, the daily billing
 * export schedule and the alarms. Holds no data, so it can be changed or replaced at any time;
 * it finds the data stack's resources by name and the user pool through SSM parameters.
 */
public final class CallingServiceStack extends Stack {

    private final Map<String, CallingFunction> functions = new LinkedHashMap<>();
    private final PublicHttpApi httpApi;
    private final RealtimeApi realtimeApi;
    private final Monitoring monitoring;

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
                .sendsTo(callStateChanges)
                .sendsTo(callTimers)
                .sendsTo(switchCommands);

        // Chime waits on every answer of this function during a live call: latency matters more
        // than cost (1 GB), and an answer after 5 s is of no use to the call. Reserved so that a
        // burst elsewhere never starves live PSTN legs.
        CallingFunction sipMediaHandler = add(names, code, new Settings("SipMediaHandler", "sip-media-handler",
                "SipMediaHandler: the Chime SIP media application's actions", 1024, Duration.seconds(5),
                reserve ? Optional.of(50) : Optional.empty()))
                .writes(data.table(CARRIER_LEGS))
                .sendsTo(callStateChanges);

        // Carriers' status callbacks: tiny, public and signed. Reserved concurrency caps what a
        // flood of callbacks can cost (the stage throttles first); 10 s covers an orphan-call
        // hang-up at the carrier (5 s request timeout) and is below carriers' webhook timeouts.
        CallingFunction carrierWebhook = add(names, code, new Settings("CarrierWebhook", "carrier-webhook",
                "CarrierWebhook: REST carriers' signed status callbacks", 512, Duration.seconds(10),
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
                .writes(data.table(CALL_REQUESTS))
                .sendsTo(callStateChanges);

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

        httpApi = new PublicHttpApi(this, "HttpApi", names.prefix() + "-api", users, mobileApp, callApi, carrierWebhook);
        realtimeApi = new RealtimeApi(this, "RealtimeApi", names.prefix() + "-realtime", realtime, realtimeAuthorizer);
        if (config.apiGatewayCloudWatchRole()) {
            ApiGatewayLogging logging = new ApiGatewayLogging(this, "ApiGatewayLogging");
            realtimeApi.stage().getNode().addDependency(logging);
        }

        // CallStateManager pushes call updates to the apps' connections.
        realtimeApi.stage().grantManagementApiAccess(callStateManager.role());
        callStateManager.env("calling.realtime.endpoint", realtimeApi.callbackUrl());
        Nag.suppress(callStateManager, "IAM5", "execute-api:ManageConnections must name the connection ids, which"
                        + " exist only at run time; the grant is limited to this WebSocket API's live stage.",
                List.of("regex:/^Resource::arn:<AWS::Partition>:execute-api:.*\\/@connections\\/\\*$/"));

        wireChime(config, sipMediaHandler, callStateManager);
        wireCarriers(config, callStateManager, carrierWebhook, httpApi.url() + PublicHttpApi.CARRIER_WEBHOOK_PATH
                .substring(1));

        // 00:30 UTC: exports the day before (the event's time minus a day), after late-ending calls
        // have written their records. Retries are safe: a day's export rewrites identical objects.
        Rule.Builder.create(this, "BillingExportSchedule")
                .description("Daily BillingExport of the previous UTC day")
                .schedule(Schedule.cron(CronOptions.builder().minute("30").hour("0").build()))
                .targets(List.of(new LambdaFunction(billingExport.alias(), LambdaFunctionProps.builder()
                        .retryAttempts(2).maxEventAge(Duration.hours(6)).build())))
                .build();

        monitoring = new Monitoring(this, "Monitoring", names.prefix() + "-alarms", config.alarmEmail());
        Resources.QUEUES.forEach(queue -> monitoring.watch(data.queue(queue)));
        functions.values().forEach(monitoring::watch);
        checkConcurrency();

        output("HttpApiUrl", httpApi.url(), "The mobile API (/v1/...) and the carrier webhooks (/carrier-webhooks/{providerId})");
        output("RealtimeUrl", realtimeApi.url(), "The apps' WebSocket (?token=<Cognito access token>)");
        output("RealtimeCallbackUrl", realtimeApi.callbackUrl(), "API Gateway Management API endpoint of the WebSocket");
        output("SipMediaHandlerArn", sipMediaHandler.alias().getFunctionArn(),
                "The SIP media application's endpoint: this alias ARN");
        output("BillingExportFunction", billingExport.function().getFunctionName(),
                "Invoke with {\"day\": \"YYYY-MM-DD\"} to re-run a day");
        output("AlarmTopicArn", monitoring.topic().getTopicArn(), "Subscribe the on-call rota here");
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
        config.chime().ifPresent(chime -> sipMediaHandler
                .env("calling.chime.sip-media-application-id", chime.sipMediaApplicationId())
                .env("calling.chime.from-phone-number", chime.fromPhoneNumber())
                .env("calling.chime.voice-connector-arn", chime.voiceConnectorArn()));
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
     * carriers) and the CarrierWebhook (REST carriers). A Chime carrier takes the Chime resources
     * from context unless it names its own; a REST carrier's status callback URL defaults to this
     * API's webhook route. Credentials are CloudFormation dynamic references to Secrets Manager:
     * resolved at deploy time, never in the template or in cdk.json.
     */
    private static void wireCarriers(CallingConfig config, CallingFunction callStateManager,
            CallingFunction carrierWebhook, String webhookBaseUrl) {
        if (config.carriers().isEmpty()) {
            return; // VoIP only
        }
        callStateManager.env("calling.carrier-ids", String.join(",", config.carriers().keySet()));
        for (Carrier carrier : config.carriers().values()) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("adapter", carrier.adapter().name());
            settings.putAll(carrier.settings());
            if (carrier.adapter() == Adapter.CHIME) {
                settings.put("sip-media-application-id", chimeSetting(config, carrier, "sip-media-application-id"));
                settings.put("from-number", chimeSetting(config, carrier, "from-number"));
                settings.put("voice-connector-arn", chimeSetting(config, carrier, "voice-connector-arn"));
            } else {
                settings.putIfAbsent("status-callback-url", webhookBaseUrl + carrier.id());
            }
            carrier.secrets().forEach((name, secret) ->
                    settings.put(name, SecretValue.secretsManager(secret).unsafeUnwrap()));
            String prefix = "calling.carriers." + carrier.id() + ".";
            settings.forEach((name, value) -> {
                if (!name.equals("webhook-secret")) {
                    callStateManager.env(prefix + name, value);
                }
                if (carrier.adapter() == Adapter.REST) {
                    carrierWebhook.env(prefix + name, value);
                }
            });
        }
    }

    private static String chimeSetting(CallingConfig config, Carrier carrier, String name) {
        if (carrier.settings().containsKey(name)) {
            return carrier.settings().get(name);
        }
        CallingConfig.Chime chime = config.chime().orElseThrow(() -> new IllegalArgumentException("carrier "
                + carrier.id() + " uses Chime: give chimeSipMediaApplicationId, chimeFromPhoneNumber and"
                + " chimeVoiceConnectorArn in context (or its own " + name + ")"));
        return switch (name) {
            case "sip-media-application-id" -> chime.sipMediaApplicationId();
            case "from-number" -> chime.fromPhoneNumber();
            case "voice-connector-arn" -> chime.voiceConnectorArn();
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

    public RealtimeApi realtimeApi() {
        return realtimeApi;
    }

    public Monitoring monitoring() {
        return monitoring;
    }
}
