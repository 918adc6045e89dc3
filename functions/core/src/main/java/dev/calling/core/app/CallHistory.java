package dev.calling.core.app;

import dev.calling.core.Page;
import dev.calling.core.call.Call;
import java.util.Optional;

/** Port: a user's calls, as caller or callee, newest first. */
public interface CallHistory {

    /**
     * @param limit at most this many calls
     * @param after the {@link Page#next()} of the previous page, or empty for the first page
     */
    Page<Call> callsOf(String userId, int limit, Optional<String> after);
}
