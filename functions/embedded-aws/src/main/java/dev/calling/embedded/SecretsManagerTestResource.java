package dev.calling.embedded;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * For {@code @QuarkusTestResource}: a {@link SecretsManagerStub} for one Quarkus test run; the function
 * reads it through {@code calling.aws.secretsmanager-endpoint}. Tests put their secrets with {@link #current()}.
 */
public final class SecretsManagerTestResource implements QuarkusTestResourceLifecycleManager {

    private static SecretsManagerStub stub;

    @Override
    public Map<String, String> start() {
        stub = SecretsManagerStub.start();
        return Map.of("calling.aws.secretsmanager-endpoint", stub.endpoint().toString());
    }

    @Override
    public void stop() {
        if (stub != null) {
            stub.close();
            stub = null;
        }
    }

    public static SecretsManagerStub current() {
        return stub;
    }
}
