package dev.calling.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import dev.calling.adapters.auth.DevTokenIssuer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The authorizer built without CDI, as the local gateway builds it. */
class RealtimeAuthorizerTest {

    static final DevTokenIssuer ISSUER = DevTokenIssuer.generate();
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    static final String METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/$connect";

    final RealtimeAuthorizer authorizer = new RealtimeAuthorizer(ISSUER.verifier(Clock.fixed(NOW, ZoneOffset.UTC)));
    final String token = ISSUER.mint("alice", NOW, Duration.ofMinutes(5));

    static APIGatewayCustomAuthorizerEvent request(Map<String, String> query, Map<String, String> headers) {
        return APIGatewayCustomAuthorizerEvent.builder().withType("REQUEST").withMethodArn(METHOD_ARN)
                .withQueryStringParameters(query).withHeaders(headers).build();
    }

    @Test
    void aValidQueryTokenAllowsTheConnectionAndNamesTheUser() {
        IamPolicyResponseV1 allowed = authorizer.handleRequest(request(Map.of("token", token), null), null);

        assertThat(allowed.getPrincipalId()).isEqualTo("alice");
        assertThat(allowed.getContext()).containsExactly(Map.entry("userId", "alice"));
        assertThat(allowed.getPolicyDocument()).containsEntry("Version", "2012-10-17");
        @SuppressWarnings("unchecked")
        Map<String, Object> statement = ((Map<String, Object>[]) allowed.getPolicyDocument().get("Statement"))[0];
        assertThat(statement).containsEntry("Effect", "Allow").containsEntry("Action", "execute-api:Invoke");
        assertThat((Object[]) statement.get("Resource")).containsExactly(METHOD_ARN);
    }

    @Test
    void aBearerHeaderWorksInAnyCase() {
        assertThat(authorizer.handleRequest(request(null, Map.of("Authorization", "Bearer " + token)), null)
                .getPrincipalId()).isEqualTo("alice");
        assertThat(authorizer.handleRequest(request(Map.of(), Map.of("authorization", "bearer " + token)), null)
                .getPrincipalId()).isEqualTo("alice");
    }

    @Test
    void theQueryTokenIsPreferredOverTheHeader() {
        String bobs = ISSUER.mint("bob", NOW, Duration.ofMinutes(5));

        assertThat(authorizer.handleRequest(request(Map.of("token", bobs), Map.of("Authorization", "Bearer " + token)),
                null).getPrincipalId()).isEqualTo("bob");
    }

    @Test
    void missingExpiredOrForeignTokensAreUnauthorized() {
        String expired = ISSUER.mint("alice", NOW.minus(Duration.ofHours(1)), Duration.ofMinutes(5));
        String foreign = DevTokenIssuer.generate().mint("alice", NOW, Duration.ofMinutes(5));

        for (APIGatewayCustomAuthorizerEvent refused : List.of(
                request(null, null),
                request(Map.of("token", ""), Map.of("Authorization", "Basic YWxpY2U6c2VjcmV0")),
                request(Map.of("token", expired), null),
                request(Map.of("token", foreign), null),
                request(null, Map.of("Authorization", token)))) {
            assertThatThrownBy(() -> authorizer.handleRequest(refused, null))
                    .isInstanceOf(Unauthorized.class).hasMessage("Unauthorized");
        }
    }
}
