package dev.calling.infra.data;

import dev.calling.infra.CallingConfig;
import java.util.Optional;
import software.amazon.awscdk.services.cognito.UserPoolEmail;
import software.amazon.awscdk.services.cognito.UserPoolSESOptions;

import dev.calling.infra.Nag;
import dev.calling.infra.PhysicalNames;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cognito.AccountRecovery;
import software.amazon.awscdk.services.cognito.AuthFlow;
import software.amazon.awscdk.services.cognito.AutoVerifiedAttrs;
import software.amazon.awscdk.services.cognito.CfnUserPool;
import software.amazon.awscdk.services.cognito.CfnUserPoolClient;
import software.amazon.awscdk.services.cognito.FeaturePlan;
import software.amazon.awscdk.services.cognito.Mfa;
import software.amazon.awscdk.services.cognito.MfaSecondFactor;
import software.amazon.awscdk.services.cognito.PasswordPolicy;
import software.amazon.awscdk.services.cognito.SignInAliases;
import software.amazon.awscdk.services.cognito.StandardAttribute;
import software.amazon.awscdk.services.cognito.StandardAttributes;
import software.amazon.awscdk.services.cognito.UserPool;
import software.amazon.awscdk.services.cognito.UserPoolClient;
import software.amazon.awscdk.services.cognito.UserPoolClientOptions;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.constructs.Construct;

/**
 * The app users: a Cognito user pool and the mobile app's client. The HTTP API's JWT authorizer and
 * the Realtime function (which checks the token on {@code $connect}) accept tokens issued by this
 * pool for this client. Users are state: the pool is kept when the stack is deleted.
 */
public final class Users extends Construct {

    private final UserPool pool;
    private final UserPoolClient mobileApp;

    /** SSM parameters holding the pool's and the client's ids, for the service stack. */
    public static final String POOL_ID_PARAMETER = "user-pool-id";
    public static final String CLIENT_ID_PARAMETER = "user-pool-client-id";

    /**
     * @param email the verified SES identity to send the pool's mail through; none: Cognito's own sender, whose
     *        daily quota is for trying out (sign-ups and password resets stop once it is spent)
     */
    public Users(Construct scope, String id, PhysicalNames names, Optional<CallingConfig.CognitoEmail> email) {
        super(scope, id);
        String poolName = names.prefix() + "-users";
        pool = UserPool.Builder.create(this, "UserPool")
                .email(email.map(Users::throughSes).orElse(null)) // none: Cognito's default sender
                .userPoolName(poolName)
                .selfSignUpEnabled(true)
                .signInAliases(SignInAliases.builder().email(true).build())
                .autoVerify(AutoVerifiedAttrs.builder().email(true).build())
                .standardAttributes(StandardAttributes.builder()
                        .email(StandardAttribute.builder().required(true).mutable(true).build()).build())
                .passwordPolicy(PasswordPolicy.builder().minLength(12).requireLowercase(true).requireUppercase(true)
                        .requireDigits(true).requireSymbols(true).tempPasswordValidity(Duration.days(3)).build())
                .mfa(Mfa.OPTIONAL)
                .mfaSecondFactor(MfaSecondFactor.builder().otp(true).sms(false).build())
                .accountRecovery(AccountRecovery.EMAIL_ONLY)
                .featurePlan(FeaturePlan.ESSENTIALS)
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        ((CfnUserPool) pool.getNode().getDefaultChild()).overrideLogicalId("UserPool");

        // A public client (a mobile app cannot keep a secret): SRP sign-in, refresh tokens, no hosted UI.
        mobileApp = pool.addClient("MobileApp", UserPoolClientOptions.builder()
                .userPoolClientName(poolName + "-mobile-app")
                .generateSecret(false)
                .authFlows(AuthFlow.builder().userSrp(true).build())
                .disableOAuth(true)
                .preventUserExistenceErrors(true)
                .enableTokenRevocation(true)
                .accessTokenValidity(Duration.hours(1))
                .idTokenValidity(Duration.hours(1))
                .refreshTokenValidity(Duration.days(30))
                .build());
        ((CfnUserPoolClient) mobileApp.getNode().getDefaultChild()).overrideLogicalId("UserPoolMobileAppClient");

        StringParameter.Builder.create(this, "PoolIdParameter").parameterName(names.parameter(POOL_ID_PARAMETER))
                .stringValue(pool.getUserPoolId()).description("The app users' Cognito user pool").build();
        StringParameter.Builder.create(this, "ClientIdParameter").parameterName(names.parameter(CLIENT_ID_PARAMETER))
                .stringValue(mobileApp.getUserPoolClientId()).description("The mobile app's client id (token audience)")
                .build();

        Nag.suppress(pool, "COG2", "A consumer calling app: requiring MFA at every sign-up loses users; MFA (TOTP)"
                + " is optional for every user to turn on, and sessions are short (1 h access tokens).");
        Nag.suppress(pool, "COG3", "Threat protection (advanced security) needs the Cognito Plus feature plan,"
                + " billed per active user; the Essentials plan is chosen until fraud signals justify it.");
    }

    private static UserPoolEmail throughSes(CallingConfig.CognitoEmail email) {
        return UserPoolEmail.withSES(UserPoolSESOptions.builder()
                .fromEmail(email.from())
                .fromName(email.fromName().orElse(null))
                .replyTo(email.replyTo().orElse(null))
                .sesRegion(email.sesRegion().orElseThrow(() -> new IllegalArgumentException("cognitoEmailFrom: the SES"
                        + " identity's region is unknown: give cognitoSesRegion, or deploy through the CDK CLI with a"
                        + " region (it passes it as CDK_DEFAULT_REGION)")))
                .sesVerifiedDomain(email.verifiedDomain().orElse(null))
                .build());
    }

    public UserPool pool() {
        return pool;
    }

    public UserPoolClient mobileApp() {
        return mobileApp;
    }

    /** The issuer of the pool's tokens, {@code https://cognito-idp.<region>.amazonaws.com/<pool id>}. */
    public String issuer() {
        return pool.getUserPoolProviderUrl();
    }
}
