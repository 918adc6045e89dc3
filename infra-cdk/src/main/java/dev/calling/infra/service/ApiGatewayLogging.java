package dev.calling.infra.service;

import dev.calling.infra.Nag;
import java.util.List;
import software.amazon.awscdk.services.apigateway.CfnAccount;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.constructs.Construct;

/**
 * The region's API Gateway account setting that lets WebSocket (and REST) stages write logs to
 * CloudWatch. One per account and region, so it is opt-in (context apiGatewayCloudWatchRole):
 * only where nothing else has set it already.
 */
final class ApiGatewayLogging extends Construct {

    ApiGatewayLogging(Construct scope, String id) {
        super(scope, id);
        Role role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("apigateway.amazonaws.com"))
                .managedPolicies(List.of(ManagedPolicy.fromAwsManagedPolicyName(
                        "service-role/AmazonAPIGatewayPushToCloudWatchLogs")))
                .build();
        CfnAccount.Builder.create(this, "Account").cloudWatchRoleArn(role.getRoleArn()).build();
        Nag.suppress(role, "IAM4", "AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for exactly this"
                + " account-level role; it only lets API Gateway create and write its own log groups.");
    }
}
