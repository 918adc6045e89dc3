package dev.calling.carrier.chime;

import java.util.Optional;

/**
 * Where an answered phone leg's audio goes when calls' media are Amazon Chime SDK meetings (the
 * switch in AWS): a seat in the call's meeting, which the SIP media application takes with
 * {@code JoinChimeMeeting} instead of bridging to a Voice Connector.
 */
public interface MeetingSeats {

    /** A phone leg's seat; {@code joinToken} is a credential for Chime only. */
    record Seat(String meetingId, String joinToken, boolean seatedBefore) {
        @Override
        public String toString() {
            return "Seat[meeting " + meetingId + (seatedBefore ? ", seated before" : "") + "]";
        }
    }

    /** The meetings service refused or failed (after its client's own retries): the leg gets no seat. */
    final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The seat of attempt {@code attempt}'s phone leg (and the caller's, pushed to the caller); empty once the
     * call's media is over.
     *
     * @throws Unavailable when the meetings service cannot give one
     */
    Optional<Seat> seat(String callId, int attempt, String callerUserId, String callerConnectionId);

    /** Chime was told to join the phone leg to its seat. */
    void seated(String callId, int attempt);
}
