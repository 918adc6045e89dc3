package dev.calling.embedded;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** For {@code @QuarkusTestResource}: the embedded stack for one Quarkus test run, its endpoints as config. */
public final class EmbeddedAwsTestResource implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedAws aws;

    @Override
    public Map<String, String> start() {
        aws = EmbeddedAws.start();
        return aws.functionConfig();
    }

    @Override
    public void stop() {
        if (aws != null) {
            aws.close();
            aws = null;
        }
    }

    /** The running stack, for tests that want to look into its tables and queues. */
    public static EmbeddedAws current() {
        return aws;
    }
}
