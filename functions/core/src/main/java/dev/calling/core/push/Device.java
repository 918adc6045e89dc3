package dev.calling.core.push;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A device a user registered to be woken by push for calls. {@code deviceId} is the app's own id for the
 * install (stable across token refreshes); {@code token} is the platform's current push token for it. On
 * iOS that is the PushKit VoIP token, which may carry nothing but incoming calls (iOS ends an app that does
 * not report a VoIP push to CallKit as a call), so a missed-call notice needs the app's regular APNs device
 * token as well: {@code alertToken}, optional, APNs platforms only, same environment. On Android the one FCM
 * token serves every kind.
 */
public record Device(String userId, String deviceId, PushPlatform platform, String token, String alertToken,
        Instant registeredAt) {

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public Device {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(registeredAt, "registeredAt");
        if (!validId(deviceId)) {
            throw new IllegalArgumentException("a device id is 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        if (!platform.accepts(token)) {
            throw new IllegalArgumentException("not a " + platform + " token");
        }
        if (alertToken != null && (!platform.isApns() || !platform.accepts(alertToken))) {
            throw new IllegalArgumentException(platform.isApns() ? "not an APNs device token"
                    : "an alert token is for APNs devices only: FCM's one token serves every kind");
        }
    }

    public Optional<String> alert() {
        return Optional.ofNullable(alertToken);
    }

    public static boolean validId(String deviceId) {
        return deviceId != null && DEVICE_ID.matcher(deviceId).matches();
    }

    /** Never the tokens: they are credentials to reach the user's phone. */
    @Override
    public String toString() {
        return "Device[" + userId + "/" + deviceId + " " + platform + "]";
    }
}
