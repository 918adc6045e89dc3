package dev.calling.core.call;

/**
 * Port: what operators measure of the calls. Told of each transition the call state manager applied, once (not on
 * a redelivered event), after its record was written; best effort: a metric that cannot be written is dropped and
 * never holds a call.
 */
public interface CallMetrics {

    /**
     * The call moved from {@code before} (null for a call just requested) as {@code applied} says (its call and the
     * commands it issued).
     */
    void applied(Call before, Outcome applied);

    /**
     * The switch or the carrier accepted, at {@code at}, the command to bridge {@code call}'s answered leg with its
     * caller (once, when the answer was applied; not on a redelivery).
     */
    default void bridged(Call call, java.time.Instant at) {
    }

    /** Measures nothing. */
    CallMetrics NONE = (before, applied) -> { };
}
