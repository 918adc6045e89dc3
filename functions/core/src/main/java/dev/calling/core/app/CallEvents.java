package dev.calling.core.app;

import dev.calling.core.call.CallEvent;

/** Port: hands an app's call event to the call state manager (the {@code call-state-changes} queue). */
public interface CallEvents {

    void publish(CallEvent event);
}
