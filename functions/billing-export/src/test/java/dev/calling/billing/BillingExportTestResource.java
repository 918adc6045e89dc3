package dev.calling.billing;

import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.EmbeddedS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * dynalite in this JVM and s3mock as a separate process (it cannot run inside a Quarkus
 * test JVM), their endpoints handed to the function as configuration.
 */
public final class BillingExportTestResource implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedAws aws;
    private static EmbeddedS3 s3mock;

    @Override
    public Map<String, String> start() {
        var s3Started = EmbeddedS3.startInBackground(); // the slowest to start: alongside the others
        aws = EmbeddedAws.start();
        s3mock = s3Started.join();
        Map<String, String> config = new LinkedHashMap<>(aws.functionConfig());
        config.putAll(s3mock.functionConfig());
        return config;
    }

    @Override
    public void stop() {
        try {
            if (s3mock != null) {
                s3mock.close();
            }
        } finally {
            if (aws != null) {
                aws.close();
            }
            s3mock = null;
            aws = null;
        }
    }

    static EmbeddedAws aws() {
        return aws;
    }

    static EmbeddedS3 s3mock() {
        return s3mock;
    }
}
