package dev.calling.core.charging;

import java.time.LocalDate;
import java.util.function.Consumer;

/** Port: the call detail records, kept once per call and read back per day (UTC) for finance. */
public interface CallDetailRecords {

    /** Stores the record; storing a call's record again changes nothing. */
    void record(CallDetailRecord cdr);

    /**
     * Replaces the call's record by {@code revised} if that bills fewer seconds (a revision: the call ended
     * earlier than first billed), or stores it if there is none yet; a record billing as few is left.
     */
    void revise(CallDetailRecord revised);

    /** Streams every record of calls that ended on {@code day} (UTC), in no particular order. */
    void forEachEndedOn(LocalDate day, Consumer<CallDetailRecord> sink);
}
