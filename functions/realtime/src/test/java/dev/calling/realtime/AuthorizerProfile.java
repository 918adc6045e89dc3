package dev.calling.realtime;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The same zip as the authorizer function runs it: {@code QUARKUS_LAMBDA_HANDLER=RealtimeAuthorizer}. */
public class AuthorizerProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.lambda.handler", "RealtimeAuthorizer");
    }
}
