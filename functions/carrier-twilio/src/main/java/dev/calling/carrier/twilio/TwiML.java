package dev.calling.carrier.twilio;

import java.time.Duration;

/**
 * The two TwiML documents this carrier hands Twilio inline (the {@code Twiml} parameter of the Call
 * resource, "Max 4000 characters"), so no TwiML endpoint of ours has to be reachable.
 */
final class TwiML {

    private TwiML() {}

    /**
     * What the answered phone leg runs until it is bridged: silence. TwiML Voice {@code <Pause>}
     * (https://www.twilio.com/docs/voice/twiml/pause), attribute {@code length} in seconds. When it
     * runs out before a bridge arrives, the document ends and Twilio hangs the leg up, which its
     * {@code completed} callback reports.
     */
    static String holdUntilBridged(Duration hold) {
        return "<Response><Pause length=\"" + hold.toSeconds() + "\"/></Response>";
    }

    /** The custom parameter by which the caller's app recognises the bridge's call invite as its own call. */
    static final String CALL_ID_PARAMETER = "callId";

    /**
     * Connects the answered phone leg to the caller's Twilio Voice SDK: TwiML Voice {@code <Dial>}
     * with a {@code <Client>} noun (https://www.twilio.com/docs/voice/twiml/client) in its long form,
     * {@code <Identity>} and a {@code <Parameter>} {@code callId} that the app's call invite carries
     * as a custom parameter. {@code <Dial timeout>} is how long the app's SDK may take to accept.
     * When the app's leg ends, {@code <Dial>} ends, the document has nothing more to do and the
     * phone leg is hung up.
     */
    static String dialClient(String identity, String callId, Duration answerWithin) {
        return "<Response><Dial timeout=\"" + answerWithin.toSeconds() + "\"><Client><Identity>" + escape(identity)
                + "</Identity><Parameter name=\"" + CALL_ID_PARAMETER + "\" value=\"" + escape(callId)
                + "\"/></Client></Dial></Response>";
    }

    /** Identities are {@code [A-Za-z0-9_]} already ({@link ClientIdentity}); escaping is belt and braces. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
