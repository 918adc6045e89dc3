package dev.calling.core.app;

import java.util.Optional;

/** Port: the calls placed through the API, by call id (the call id is derived from the Idempotency-Key). */
public interface CallRequests {

    Optional<PlacedCall> find(String callId);

    /** Stores {@code placed} unless a call with its id was placed already; returns what is stored. */
    PlacedCall storeOnce(PlacedCall placed);
}
