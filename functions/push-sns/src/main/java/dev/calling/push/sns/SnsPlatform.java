package dev.calling.push.sns;

import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.core.push.PushPlatform;
import java.util.Optional;

/**
 * The kinds of SNS platform application a push goes through, by SNS's own platform names (which are also the
 * keys of a {@code MessageStructure=json} message): the PushKit VoIP token of an iOS device for a ring, its
 * regular APNs token (the device's {@code alertToken}) for anything else, the one FCM token of an Android
 * device ({@code GCM} is SNS's name for FCM) for every kind.
 */
public enum SnsPlatform {
    APNS_VOIP, APNS_VOIP_SANDBOX, APNS, APNS_SANDBOX, GCM;

    /** The token and application a push of {@code kind} to {@code device} goes to. */
    public record Target(SnsPlatform platform, String token) {
        public boolean apns() {
            return platform != GCM;
        }

        @Override
        public String toString() {
            return platform + " token " + Redact.tail(token);
        }
    }

    /**
     * Where a push of {@code kind} goes for {@code device}: empty for an iOS device without an alert token when
     * the push is not a ring (a VoIP push may announce an incoming call and nothing else: iOS ends an app that
     * does not report a VoIP push to CallKit as a call).
     */
    public static Optional<Target> target(Device device, PushKind kind) {
        PushPlatform platform = device.platform();
        if (platform == PushPlatform.FCM) {
            return Optional.of(new Target(GCM, device.token()));
        }
        boolean sandbox = platform == PushPlatform.APNS_VOIP_SANDBOX;
        if (kind == PushKind.RING) {
            return Optional.of(new Target(sandbox ? APNS_VOIP_SANDBOX : APNS_VOIP, device.token()));
        }
        return device.alert().map(alertToken -> new Target(sandbox ? APNS_SANDBOX : APNS, alertToken));
    }

    /** The key of this platform's payload in a {@code MessageStructure=json} message. */
    public String messageKey() {
        return name();
    }

    /**
     * The platform's own TTL message attribute (https://docs.aws.amazon.com/sns/latest/dg/sns-ttl.html lists
     * {@code AWS.SNS.MOBILE.APNS.TTL}, {@code AWS.SNS.MOBILE.APNS_SANDBOX.TTL}, {@code AWS.SNS.MOBILE.FCM.TTL};
     * SNS's list of reserved attributes adds {@code AWS.SNS.MOBILE.APNS_VOIP.TTL} and
     * {@code AWS.SNS.MOBILE.APNS_VOIP_SANDBOX.TTL}).
     */
    public String ttlAttribute() {
        return "AWS.SNS.MOBILE." + (this == GCM ? "FCM" : name()) + ".TTL";
    }
}
