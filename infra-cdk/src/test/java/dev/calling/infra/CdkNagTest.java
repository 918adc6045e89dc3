package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** cdk-nag's AwsSolutions pack runs on every synth; nothing may be left unsuppressed, and no suppression without a reason. */
class CdkNagTest {

    static TestApp.Synthesised app;

    @BeforeAll
    static void synthesise() {
        app = TestApp.get();
    }

    @Test
    void noAwsSolutionsErrorOrWarningIsLeft() {
        for (Stack stack : List.of(app.stacks().data(), app.stacks().service())) {
            Annotations annotations = Annotations.fromStack(stack);
            List<SynthesisMessage> findings = new ArrayList<>();
            findings.addAll(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")));
            findings.addAll(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")));
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
                            rule.path("applies_to").forEach(finding -> pushSender.add(finding.path("regex").asText()));
                        }
                    }
                }));
        assertThat(pushSender).isNotEmpty()
                .containsOnly("/^Resource::arn:aws[a-z-]*:sns:.*:endpoint\\/.*\\/\\*$/");
    }

    @Test
    void everySuppressionNamesItsRuleAndGivesAReason() {
        List<String> suppressed = new ArrayList<>();
        for (JsonNode template : List.of(app.dataJson(), app.serviceJson())) {
            template.get("Resources").fields().forEachRemaining(resource -> resource.getValue()
                    .at("/Metadata/cdk_nag/rules_to_suppress").forEach(rule -> {
                        assertThat(rule.path("id").asText()).startsWith("AwsSolutions-");
                        assertThat(rule.path("reason").asText()).as(resource.getKey() + " " + rule.path("id").asText())
                                .hasSizeGreaterThan(60);
                        suppressed.add(rule.path("id").asText());
                    }));
        }
        // The list is short on purpose; a new kind of exception must be argued for here too.
        // SQS3: EventBridge targets' dead-letter queues, which cdk-nag does not recognise as dead-letter queues.
        assertThat(suppressed).containsOnly("AwsSolutions-COG2", "AwsSolutions-COG3", "AwsSolutions-S1",
                "AwsSolutions-L1", "AwsSolutions-IAM5", "AwsSolutions-APIG4", "AwsSolutions-SQS3");
    }
}
