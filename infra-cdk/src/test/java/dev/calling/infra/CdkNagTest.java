package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/**
 * cdk-nag's AwsSolutions and Serverless packs run on every synth; nothing may be left unsuppressed, and no
 * suppression without a reason.
 */
class CdkNagTest {

    static TestApp.Synthesised app;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
    }

    @Test
    void noAwsSolutionsOrServerlessErrorOrWarningIsLeft() {
        assertNoFindings(List.of(app.stacks().data(), app.stacks().service()));
    }

    /** The default deployment (no context) and the forwarder stack of a remote Chime control region too. */
    @Test
    void noFindingInTheDefaultDeploymentNorTheForwarder() {
        // Without the flag that turns error findings into a failed synth, so that a finding is reported here by name.
        Map<String, Object> lenient = Map.of("@aws-cdk/core:annotationsInValidationReport", false);
        TestApp.Synthesised defaults = TestApp.synthesise(lenient);
        Map<String, Object> remote = new java.util.HashMap<>(lenient);
        remote.putAll(Map.of("stage", "remote", "chimeMeetingsRegion", "eu-central-1"));
        TestApp.Synthesised withForwarder = TestApp.synthesise(remote, java.util.Optional.of("eu-west-1"));
        assertNoFindings(List.of(defaults.stacks().data(), defaults.stacks().service(),
                withForwarder.stacks().meetingEventsForwarder().orElseThrow()));
    }

    static void assertNoFindings(List<? extends Stack> stacks) {
        for (Stack stack : stacks) {
            Annotations annotations = Annotations.fromStack(stack);
            List<SynthesisMessage> findings = new ArrayList<>();
            for (String pack : List.of("AwsSolutions", "Serverless")) {
                findings.addAll(annotations.findError("*", Match.stringLikeRegexp(pack + "-.*")));
                findings.addAll(annotations.findWarning("*", Match.stringLikeRegexp(pack + "-.*")));
            }
            assertThat(findings).extracting(f -> f.getId() + ": " + f.getEntry().getData()).isEmpty();
        }
    }

    @Test
    void everyWildcardSuppressionNamesTheFindingsItCoversAndThePushSendersOnlyItsApplicationsEndpoints() {
        List<String> pushSender = new ArrayList<>();
        app.serviceJson().get("Resources").fields().forEachRemaining(resource -> resource.getValue()
                .at("/Metadata/cdk_nag/rules_to_suppress").forEach(rule -> {
                    if (rule.path("id").asText().equals("AwsSolutions-IAM5")) {
                        assertThat(rule.path("applies_to").size()).as(resource.getKey() + ": no blanket IAM5").isPositive();
                        if (resource.getKey().startsWith("PushSender")) {
                            rule.path("applies_to").forEach(finding -> pushSender.add(
                                    finding.isTextual() ? finding.asText() : finding.path("regex").asText()));
                        }
                    }
                }));
        assertThat(pushSender).isNotEmpty()
                // its platform applications' endpoints, and X-Ray's two write actions (every function's)
                .containsOnly("/^Resource::arn:aws[a-z-]*:sns:.*:endpoint\\/.*\\/\\*$/", "Resource::*");
    }

    @Test
    void everySuppressionNamesItsRuleAndGivesAReason() {
        List<String> suppressed = new ArrayList<>();
        for (JsonNode template : List.of(app.dataJson(), app.serviceJson())) {
            template.get("Resources").fields().forEachRemaining(resource -> resource.getValue()
                    .at("/Metadata/cdk_nag/rules_to_suppress").forEach(rule -> {
                        assertThat(rule.path("id").asText()).matches("(AwsSolutions|Serverless)-.+");
                        assertThat(rule.path("reason").asText()).as(resource.getKey() + " " + rule.path("id").asText())
                                .hasSizeGreaterThan(60);
                        suppressed.add(rule.path("id").asText());
                    }));
        }
        // The list is short on purpose; a new kind of exception must be argued for here too.
        // SQS3: EventBridge targets' dead-letter queues, which cdk-nag does not recognise as dead-letter queues.
        // Serverless: the runtime (as L1), no function DLQ (each function says how it is
        // invoked), no destination on SQS event sources (the queues' DLQs), no redrive of dead-letter queues, the
        // alarm e-mail subscription's, the CallSweeper's dropped failures.
        assertThat(suppressed).containsOnly("AwsSolutions-COG2", "AwsSolutions-COG3", "AwsSolutions-S1",
                "AwsSolutions-L1", "AwsSolutions-IAM5", "AwsSolutions-APIG4", "AwsSolutions-SQS3",
                "Serverless-LambdaLatestVersion", "Serverless-LambdaDLQ",
                "Serverless-LambdaEventSourceMappingDestination", "Serverless-SQSRedrivePolicy",
                "Serverless-SNSRedrivePolicy", "Serverless-LambdaAsyncFailureDestination");
    }
}
