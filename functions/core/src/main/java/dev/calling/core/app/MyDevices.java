package dev.calling.core.app;

import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import dev.calling.core.push.PushPlatform;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An app user's devices registered for push: register (or refresh the token of) one, list them, unregister
 * one. Bad input is refused before anything is written, with a message that never repeats a token.
 */
public final class MyDevices {

    private final Devices devices;
    private final Clock clock;

    public MyDevices(Devices devices, Clock clock) {
        this.devices = Objects.requireNonNull(devices);
        this.clock = Objects.requireNonNull(clock);
    }

    /** Registers the device or replaces its platform and tokens (the same device id again: idempotent). */
    public Device register(String userId, String deviceId, String platform, String token, Optional<String> alertToken) {
        if (!Device.validId(deviceId)) {
            throw invalid("a device id is 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        PushPlatform kind = Arrays.stream(PushPlatform.values()).filter(p -> p.name().equals(platform)).findFirst()
                .orElseThrow(() -> invalid("platform must be one of " + Arrays.toString(PushPlatform.values())));
        if (!kind.accepts(token)) {
            throw invalid("token is not a " + kind + " token" + (kind.isApns()
                    ? " (the PushKit VoIP token as hex, 64 digits or more)" : " (an FCM registration token)"));
        }
        if (alertToken.isPresent() && !kind.isApns()) {
            throw invalid("alertToken is for APNs devices only: FCM's one token serves every kind of push");
        }
        if (alertToken.isPresent() && !kind.accepts(alertToken.get())) {
            throw invalid("alertToken is not an APNs device token (hex, 64 digits or more)");
        }
        try {
            return devices.register(new Device(userId, deviceId, kind, token, alertToken.orElse(null), clock.instant()));
        } catch (Devices.TooManyDevices full) {
            throw new RequestRefused(Refusal.TOO_MANY_DEVICES, full.getMessage());
        }
    }

    public List<Device> list(String userId) {
        return devices.of(userId);
    }

    /** Unregisters the device; nothing to do if it was not registered (a repeated request). */
    public void unregister(String userId, String deviceId) {
        if (!Device.validId(deviceId)) {
            throw invalid("a device id is 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        devices.remove(userId, deviceId);
    }

    private static RequestRefused invalid(String why) {
        return new RequestRefused(Refusal.INVALID_REQUEST, why);
    }
}
