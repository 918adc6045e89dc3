package dev.calling.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.List;
import software.amazon.awscdk.CfnResource;
import software.constructs.IConstruct;

/**
 * cdk-nag suppressions, each with the reason it is acceptable here. cdk-nag writes them into the
 * template's metadata, so a reviewer sees every exception beside the resource it concerns.
 */
public final class Nag {

    private Nag() {}

    /** Suppresses {@code rule} on the construct's CloudFormation resources (itself and below). */
    public static void suppress(IConstruct construct, String rule, String reason) {
        apply(construct, NagPackSuppression.builder().id(id(rule)).reason(reason).build());
    }

    /**
     * Suppresses {@code rule} only for the listed findings (e.g. one wildcard resource of IAM5);
     * any other finding of the rule still fails. An entry {@code regex:/.../} is a JavaScript regular
     * expression over the finding (e.g. {@code Resource::arn:...}).
     */
    public static void suppress(IConstruct construct, String rule, String reason, List<String> appliesTo) {
        apply(construct, NagPackSuppression.builder().id(id(rule)).reason(reason)
                .appliesTo(appliesTo.stream().<Object>map(finding -> finding.startsWith("regex:")
                        ? RegexAppliesTo.builder().regex(finding.substring("regex:".length())).build() : finding)
                        .toList()).build());
    }

    /** {@code IAM5} is AwsSolutions'; another pack's rule is named with its pack ({@code Serverless-LambdaDLQ}). */
    private static String id(String rule) {
        return rule.contains("-") ? rule : "AwsSolutions-" + rule;
    }

    /** Serverless-SQSRedrivePolicy's reason for every dead-letter queue: a DLQ of its own would only move the problem. */
    public static final String DEAD_LETTER_QUEUE_HAS_NO_REDRIVE = "This queue is itself a dead-letter queue: its"
            + " messages are never consumed by a function (they alarm, an operator reads them and redrives them after a"
            + " fix), so there is no consumer whose failures a further redrive policy would catch.";

    // Each CloudFormation resource by itself: cdk-nag's applyToChildren cannot walk constructs that
    // have two candidate default children (e.g. a WebSocket route with its integration).
    private static void apply(IConstruct construct, NagPackSuppression suppression) {
        for (IConstruct node : construct.getNode().findAll()) {
            if (node instanceof CfnResource) {
                NagSuppressions.addResourceSuppressions(node, List.of(suppression), false);
            }
        }
    }
}
