package dev.calling.core.push;

import java.util.regex.Pattern;

/**
 * Where a registered device is woken: Apple's VoIP push (PushKit, through APNs, production or
 * sandbox) or Firebase Cloud Messaging. Each has its own token shape, checked at registration.
 */
public enum PushPlatform {
    /** A PushKit VoIP token for APNs production: 32 bytes or more, as hex. */
    APNS_VOIP(Pattern.compile("(?:[0-9a-fA-F]{2}){32,100}")),
    /** The same for APNs' sandbox (development builds of the app). */
    APNS_VOIP_SANDBOX(Pattern.compile("(?:[0-9a-fA-F]{2}){32,100}")),
    /** An FCM registration token (Android): URL-safe base64 with ':' and '-', of no fixed length. */
    FCM(Pattern.compile("[A-Za-z0-9_:\\-]{32,4096}"));

    private final Pattern tokenShape;

    PushPlatform(Pattern tokenShape) {
        this.tokenShape = tokenShape;
    }

    /** Whether {@code token} has this platform's shape (nothing more can be known without sending to it). */
    public boolean accepts(String token) {
        return token != null && tokenShape.matcher(token).matches();
    }

    public boolean isApns() {
        return this != FCM;
    }
}
