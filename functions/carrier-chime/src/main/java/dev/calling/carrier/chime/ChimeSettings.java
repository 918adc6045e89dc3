package dev.calling.carrier.chime;

import java.util.regex.Pattern;

/**
 * One Amazon Chime SDK Voice carrier: the provider id routing knows it by, the SIP media
 * application that places its calls, the number those calls come from, and how the app side of a
 * call is reached for bridging.
 *
 * <p>Chime bridges a call to a SIP endpoint only through a Voice Connector ({@code CallAndBridge}
 * with endpoint type {@code AWS}): the action names the Voice Connector's ARN and only the
 * <em>user part</em> of the SIP Request-URI; the host comes from the Voice Connector's inbound
 * route (that is where {@code voip.example.net} is configured). So {@code bridgeUserTemplate} is a
 * user part with a {@code {connectionId}} placeholder, e.g. {@code "{connectionId}"} or
 * {@code "app-{connectionId}"}, and the result must fit Chime's rule for it (1 to 36 characters of
 * letters, digits and {@code & = + $ / % - _ ! ~ * ( ) .}).
 *
 * <p>Without a Voice Connector ({@code voiceConnectorArn} null or blank) answered legs are not bridged
 * to a SIP switch: they join their call's Amazon Chime SDK meeting ({@link MeetingSeats}).
 */
public record ChimeSettings(String providerId, String sipMediaApplicationId, String fromPhoneNumber,
        String voiceConnectorArn, String bridgeUserTemplate) {

    static final String CONNECTION_PLACEHOLDER = "{connectionId}";
    private static final Pattern URI_USER = Pattern.compile("[A-Za-z0-9&=+$/%\\-_!~*().]{1,36}");
    private static final Pattern E164 = Pattern.compile("\\+[1-9]\\d{1,14}");

    public ChimeSettings {
        requireText(providerId, "providerId");
        requireText(sipMediaApplicationId, "sipMediaApplicationId");
        voiceConnectorArn = voiceConnectorArn == null || voiceConnectorArn.isBlank() ? null : voiceConnectorArn;
        requireText(bridgeUserTemplate, "bridgeUserTemplate");
        if (fromPhoneNumber == null || !E164.matcher(fromPhoneNumber).matches()) {
            throw new IllegalArgumentException("fromPhoneNumber must be E.164 with '+': " + fromPhoneNumber);
        }
        if (!bridgeUserTemplate.contains(CONNECTION_PLACEHOLDER)) {
            throw new IllegalArgumentException("bridgeUserTemplate needs " + CONNECTION_PLACEHOLDER + ": "
                    + bridgeUserTemplate);
        }
        String sample = bridgeUserTemplate.replace(CONNECTION_PLACEHOLDER, "c");
        if (!URI_USER.matcher(sample).matches()) {
            throw new IllegalArgumentException("bridgeUserTemplate must give the user part of a SIP URI (the host is"
                    + " the Voice Connector's inbound route), e.g. \"{connectionId}\": " + bridgeUserTemplate);
        }
    }

    /**
     * The {@code Uri} of the {@code CallAndBridge} endpoint that reaches app connection
     * {@code connectionId}.
     *
     * @throws IllegalArgumentException when the connection id does not make a user part Chime accepts
     */
    public String bridgeUser(String connectionId) {
        String user = bridgeUserTemplate.replace(CONNECTION_PLACEHOLDER, connectionId);
        if (!URI_USER.matcher(user).matches()) {
            throw new IllegalArgumentException("connection " + connectionId + " does not fit a Chime bridge URI: " + user);
        }
        return user;
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
    }
}
