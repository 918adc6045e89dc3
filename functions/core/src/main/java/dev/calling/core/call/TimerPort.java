package dev.calling.core.call;

/** Port: delivers a timer event back to the call state manager at (or shortly after) its due time. */
public interface TimerPort {

    void schedule(CallCommand.Timer timer);
}
