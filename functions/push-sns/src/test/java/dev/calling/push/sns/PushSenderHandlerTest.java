package dev.calling.push.sns;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import java.lang.reflect.Proxy;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The invocation's deadline the PushSender handler hands the sender. */
class PushSenderHandlerTest {

    static final Instant NOW = Instant.parse("2026-12-05T11:00:00Z");

    static Context remaining(int millis) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getRemainingTimeInMillis")) {
                        return millis;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void theDeadlineIsWhenLambdaEndsTheInvocation() {
        assertThat(PushSenderHandler.deadline(remaining(4_870), NOW)).isEqualTo(NOW.plusMillis(4_870));
    }

    @Test
    void aRuntimeThatNamesNoDeadlineGetsNone() {
        assertThat(PushSenderHandler.deadline(null, NOW)).isEqualTo(Instant.MAX);
        assertThat(PushSenderHandler.deadline(remaining(0), NOW)).isEqualTo(Instant.MAX);
        assertThat(PushSenderHandler.deadline(remaining(-1_733_390_000), NOW)).isEqualTo(Instant.MAX);
    }
}
