package dev.calling.infra;

import dev.calling.infra.data.CallingDataStack;
import dev.calling.infra.service.CallingServiceStack;
import dev.calling.infra.service.FunctionCode;
import dev.calling.infra.service.MeetingEventsForwarder;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import io.github.cdklabs.cdknag.ServerlessChecks;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: {@code calling-<stage>-data} (tables, queues, buckets, user pool) and
 * {@code calling-<stage>-service} (functions, APIs, schedule, alarms), and with a Chime control region
 * other than the app's one more: {@code calling-<stage>-meeting-events-forwarder} in that region. cdk-nag's AwsSolutions
 * checks run on every synth, so a finding without a written suppression fails {@code cdk synth},
 * {@code cdk deploy} and the build alike. See README.md beside the pom for deploying.
 */
public final class CallingApp {

    private CallingApp() {}

    /** The stacks of one deployment: always data and service; the forwarder only with a remote Chime control region. */
    public record Stacks(CallingDataStack data, CallingServiceStack service,
            Optional<MeetingEventsForwarder> meetingEventsForwarder) {}

    /** Run by the CDK CLI (cdk.json) and by the build, which sets CDK_OUTDIR. */
    public static void main(String[] args) {
        // The CLI passes cdk.json's context itself; `verify`'s synth (exec) does not: the flags come from there too.
        App app = new App(AppProps.builder().context(featureFlags()).build());
        CallingConfig config = CallingConfig.fromContext(app.getNode());
        Object code = app.getNode().tryGetContext("functionCode");
        // The CLI sets CDK_DEFAULT_REGION to the region it deploys to (AWS_REGION, or the profile's), and
        // CDK_DEFAULT_ACCOUNT to its credentials' account when it could resolve them.
        define(app, config, "placeholder".equals(code) ? FunctionCode.placeholder()
                : FunctionCode.built(projectRoot().resolve("functions")),
                environment("CDK_DEFAULT_ACCOUNT"), environment("CDK_DEFAULT_REGION"));
        app.synth();
    }

    private static Optional<String> environment(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank());
    }

    /** The app for a region not known at synth time (the tests); a Chime control region in context then needs {@link #define(App, CallingConfig, FunctionCode, Optional)}. */
    public static Stacks define(App app, CallingConfig config, FunctionCode code) {
        return define(app, config, code, Optional.empty());
    }

    /** The app for an account not known at synth time (the tests). */
    public static Stacks define(App app, CallingConfig config, FunctionCode code, Optional<String> region) {
        return define(app, config, code, Optional.empty(), region);
    }

    /**
     * @param account the account the stacks deploy to, if known: checked against the SNS platform applications'
     * @param region the region the data and service stacks deploy to, if known; needed when the Switch's Chime
     *        control region ({@code chimeMeetingsRegion}) is set, to forward its meeting events, and checked
     *        against the SNS platform applications' region
     */
    public static Stacks define(App app, CallingConfig appConfig, FunctionCode code, Optional<String> account,
            Optional<String> region) {
        CallingConfig config = appConfig.withDeployRegion(region);
        PhysicalNames names = PhysicalNames.of(config.stage());
        config.requirePushApplicationsIn(account, region);
        // Environment-agnostic: account and region come from the deploying credentials.
        CallingDataStack data = new CallingDataStack(app, names.stack("data"), StackProps.builder()
                .description("Calling backend " + config.stage() + ": tables, queues, buckets, users (stateful)")
                .terminationProtection(true)
                .build(), config);
        CallingServiceStack service = new CallingServiceStack(app, names.stack("service"), StackProps.builder()
                .description("Calling backend " + config.stage() + ": functions, APIs, schedule, alarms")
                .build(), config, code);
        // No exports between the two (names and SSM parameters), but the service needs the data first.
        service.addStackDependency(data, "reads the data stack's tables, queues, bucket and user pool");
        Optional<MeetingEventsForwarder> forwarder = meetingEventsForwarder(app, config, names, region);
        Tags.of(app).add("app", "calling");
        Tags.of(app).add("stage", config.stage());
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        Aspects.of(app).add(new ServerlessChecks(NagPackProps.builder().verbose(true).build()));
        return new Stacks(data, service, forwarder);
    }

    /**
     * Chime SDK Meetings publishes a meeting's events to EventBridge in its control region only. When
     * that is another region than the app's, a stack there forwards them to the app region's default
     * bus. The app's stacks stay environment-agnostic, but the forwarder must name the app's region.
     */
    private static Optional<MeetingEventsForwarder> meetingEventsForwarder(App app, CallingConfig config,
            PhysicalNames names, Optional<String> region) {
        Optional<String> controlRegion = config.chimeMeetings().controlRegion();
        if (config.switchKind() != CallingConfig.SwitchKind.CHIME_MEETINGS || controlRegion.isEmpty()
                || controlRegion.equals(region)) {
            return Optional.empty();
        }
        String appRegion = region.orElseThrow(() -> new IllegalArgumentException("chimeMeetingsRegion="
                + controlRegion.get() + ": Chime publishes its meeting events in " + controlRegion.get()
                + ", and the app forwards them to the region it deploys to, which it must know: deploy through"
                + " the CDK CLI with a region (AWS_REGION or the profile's; the CLI passes it as CDK_DEFAULT_REGION)"));
        return Optional.of(new MeetingEventsForwarder(app, names.stack("meeting-events-forwarder"), config,
                controlRegion.get(), appRegion));
    }

    /**
     * The feature flags of cdk.json (its {@code @aws-cdk...} context keys): the behaviour CDK recommends for the
     * version in use (what {@code cdk init} writes), read by every synth: the CLI's, {@code verify}'s and the
     * tests'. Context given on the command line or by the CLI takes precedence over these.
     */
    public static Map<String, Object> featureFlags() {
        Path cdkJson = projectRoot().resolve("infra-cdk").resolve("cdk.json");
        try {
            Map<String, Object> flags = new TreeMap<>();
            new ObjectMapper().readTree(cdkJson.toFile()).path("context").fields().forEachRemaining(entry -> {
                if (entry.getKey().startsWith("@aws-cdk")) {
                    flags.put(entry.getKey(), new ObjectMapper().convertValue(entry.getValue(), Object.class));
                }
            });
            return flags;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cdkJson, e);
        }
    }

    /** The repository root: the CDK CLI runs in infra-cdk/, Maven may run from the root. */
    static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("functions")) && Files.isDirectory(dir.resolve("infra-cdk"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run from the repository or its infra-cdk/ folder, not " + here);
    }
}
