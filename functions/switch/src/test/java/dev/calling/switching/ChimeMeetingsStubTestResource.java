package dev.calling.switching;

import dev.calling.embedded.ChimeMeetingsStub;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** For {@code @QuarkusTestResource}: the Chime SDK Meetings API stub, its endpoint as the function's config. */
public final class ChimeMeetingsStubTestResource implements QuarkusTestResourceLifecycleManager {

    private static ChimeMeetingsStub stub;

    @Override
    public Map<String, String> start() {
        stub = ChimeMeetingsStub.start();
        return Map.of("calling.chime-meetings.endpoint", stub.endpoint().toString());
    }

    @Override
    public void stop() {
        if (stub != null) {
            stub.close();
            stub = null;
        }
    }

    static ChimeMeetingsStub current() {
        return stub;
    }
}
