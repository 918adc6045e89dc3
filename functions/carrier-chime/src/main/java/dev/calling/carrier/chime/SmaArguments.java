package dev.calling.carrier.chime;

/**
 * The string arguments this system hands Chime and gets back in SIP media application events:
 * {@code ArgumentsMap} of CreateSipMediaApplicationCall (seen again in {@code NEW_OUTBOUND_CALL})
 * and {@code Arguments} of UpdateSipMediaApplicationCall (seen in {@code CALL_UPDATE_REQUESTED}).
 * The carrier adapter and the event handler must agree on them, so they are named once, here.
 */
final class SmaArguments {

    static final String CALL_ID = "callId";
    static final String ATTEMPT = "attempt";
    static final String PROVIDER_ID = "providerId";

    static final String ACTION = "action";
    static final String CALLER_CONNECTION_ID = "callerConnectionId";
    static final String BRIDGE = "bridge";
    static final String HANGUP = "hangup";
    /** Nothing to do: the adapter only asks whether Chime still knows the transaction (NotFound once it is over). */
    static final String PROBE = "probe";
    /** Join the PSTN leg to the call's Chime SDK meeting ({@code JoinChimeMeeting}). */
    static final String JOIN_MEETING = "join-meeting";
    static final String MEETING_ID = "meetingId";
    static final String JOIN_TOKEN = "joinToken";

    private SmaArguments() {}
}
