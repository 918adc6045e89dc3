package dev.calling.core.call;

import java.util.Optional;

/** Port: where call records live. Writes are conditional so that concurrent handlers cannot lose an update. */
public interface CallStore {

    Optional<Call> find(String callId);

    /** Stores a new call; false if a call with this id already exists. */
    boolean create(Call call);

    /** Replaces the call if its stored version is still {@code expectedVersion}; false if it moved on. */
    boolean update(Call call, long expectedVersion);

    /**
     * The ended call's end commands have all been carried out (its money settled, its legs torn down):
     * it no longer needs checking. Idempotent.
     */
    void closeOut(String callId);
}
