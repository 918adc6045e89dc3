package dev.calling.infra;

import dev.calling.infra.data.CallingDataStack;
import dev.calling.infra.service.CallingServiceStack;
import dev.calling.infra.service.FunctionCode;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: {@code calling-<stage>-data} (tables, queues, buckets, user pool) and
 * {@code calling-<stage>-service} (functions, APIs, schedule, alarms). cdk-nag's AwsSolutions
 * checks run on every synth, so a finding without a written suppression fails {@code cdk synth},
 * {@code cdk deploy} and the build alike. See README.md beside the pom for deploying.
 */
public final class CallingApp {

    private CallingApp() {}

    /** The two stacks of one deployment. */
    public record Stacks(CallingDataStack data, CallingServiceStack service) {}

    /** Run by the CDK CLI (cdk.json) and by the build, which sets CDK_OUTDIR. */
    public static void main(String[] args) {
        App app = new App();
        CallingConfig config = CallingConfig.fromContext(app.getNode());
        Object code = app.getNode().tryGetContext("functionCode");
        define(app, config, "placeholder".equals(code) ? FunctionCode.placeholder()
                : FunctionCode.built(projectRoot().resolve("functions")));
        app.synth();
    }

    public static Stacks define(App app, CallingConfig config, FunctionCode code) {
        PhysicalNames names = PhysicalNames.of(config.stage());
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
        Tags.of(app).add("app", "calling");
        Tags.of(app).add("stage", config.stage());
        Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        return new Stacks(data, service);
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
