package dev.calling.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import dev.calling.core.push.PushPlatform;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class MyDevicesTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final String VOIP_TOKEN = "5f1c2a0e".repeat(8);
    static final String ALERT_TOKEN = "0e9d8c7b".repeat(8);
    static final String FCM_TOKEN = "dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";

    /** The port as its contract says, counting the writes that reach it. */
    static final class StoredDevices implements Devices {
        final Map<String, Device> byId = new LinkedHashMap<>();
        int writes;

        public List<Device> of(String userId) {
            List<Device> devices = new ArrayList<>(byId.values().stream().filter(d -> d.userId().equals(userId)).toList());
            devices.sort(Comparator.comparing(Device::registeredAt));
            return devices;
        }

        public Device register(Device device) {
            writes++;
            Optional<Device> known = find(device.userId(), device.deviceId());
            if (known.isEmpty() && of(device.userId()).size() >= MAX_PER_USER) {
                throw new TooManyDevices(device.userId());
            }
            Device stored = new Device(device.userId(), device.deviceId(), device.platform(), device.token(),
                    device.alertToken(), known.map(Device::registeredAt).orElse(device.registeredAt()));
            byId.put(device.userId() + "/" + device.deviceId(), stored);
            return stored;
        }

        public boolean remove(String userId, String deviceId) {
            writes++;
            return byId.remove(userId + "/" + deviceId) != null;
        }

        public boolean removeIfToken(String userId, String deviceId, String token) {
            throw new AssertionError("not the apps' to call");
        }

        public Optional<Device> find(String userId, String deviceId) {
            return Optional.ofNullable(byId.get(userId + "/" + deviceId));
        }
    }

    final StoredDevices devices = new StoredDevices();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final MyDevices myDevices = new MyDevices(devices, new Clock() {
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return clock.instant();
        }
    });

    static void assertInvalid(ThrowingCallable request, String... secrets) {
        assertThatThrownBy(request).isInstanceOfSatisfying(RequestRefused.class, refused -> {
            assertThat(refused.refusal()).isEqualTo(Refusal.INVALID_REQUEST);
            assertThat(refused.getMessage()).isNotBlank();
            for (String secret : secrets) {
                assertThat(refused.getMessage()).as("never repeats a token").doesNotContain(secret);
            }
        });
    }

    @Test
    void aDeviceIsRegisteredAtTheClocksTimeAndListed() {
        Device iphone = myDevices.register("ann", "3F2A9C71-iphone", "APNS_VOIP", VOIP_TOKEN, Optional.of(ALERT_TOKEN));

        assertThat(iphone).isEqualTo(new Device("ann", "3F2A9C71-iphone", PushPlatform.APNS_VOIP, VOIP_TOKEN,
                ALERT_TOKEN, NOW));
        clock = Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC);
        myDevices.register("ann", "pixel-8", "FCM", FCM_TOKEN, Optional.empty());
        myDevices.register("bob", "pixel-8", "APNS_VOIP_SANDBOX", VOIP_TOKEN, Optional.empty());

        assertThat(myDevices.list("ann")).extracting(Device::deviceId).containsExactly("3F2A9C71-iphone", "pixel-8");
        assertThat(myDevices.list("bob")).singleElement().extracting(Device::platform)
                .isEqualTo(PushPlatform.APNS_VOIP_SANDBOX);
        assertThat(myDevices.list("carol")).isEmpty();
    }

    @Test
    void theSameDeviceAgainReplacesItsPlatformAndTokens() {
        myDevices.register("ann", "tablet", "APNS_VOIP", VOIP_TOKEN, Optional.of(ALERT_TOKEN));
        clock = Clock.fixed(NOW.plusSeconds(3600), ZoneOffset.UTC);

        Device again = myDevices.register("ann", "tablet", "FCM", FCM_TOKEN, Optional.empty());

        assertThat(again.platform()).isEqualTo(PushPlatform.FCM);
        assertThat(again.token()).isEqualTo(FCM_TOKEN);
        assertThat(again.alert()).isEmpty();
        assertThat(myDevices.list("ann")).containsExactly(again);
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsWrittenAndNeverRepeatsAToken() {
        assertInvalid(() -> myDevices.register("ann", "phone", "WINDOWS_PHONE", VOIP_TOKEN, Optional.empty()), VOIP_TOKEN);
        assertInvalid(() -> myDevices.register("ann", "phone", "apns_voip", VOIP_TOKEN, Optional.empty()), VOIP_TOKEN);
        assertInvalid(() -> myDevices.register("ann", "phone", null, VOIP_TOKEN, Optional.empty()), VOIP_TOKEN);
        String notHex = "secret-" + "z".repeat(60);
        assertInvalid(() -> myDevices.register("ann", "phone", "APNS_VOIP", notHex, Optional.empty()), notHex);
        assertInvalid(() -> myDevices.register("ann", "phone", "APNS_VOIP", "ab".repeat(31), Optional.empty()),
                "ab".repeat(31));
        assertInvalid(() -> myDevices.register("ann", "phone", "APNS_VOIP", FCM_TOKEN, Optional.empty()), FCM_TOKEN);
        assertInvalid(() -> myDevices.register("ann", "phone", "FCM", "short:token", Optional.empty()), "short:token");
        assertInvalid(() -> myDevices.register("ann", "phone", "FCM", null, Optional.empty()));
        assertInvalid(() -> myDevices.register("ann", "phone", "FCM", FCM_TOKEN, Optional.of(ALERT_TOKEN)), FCM_TOKEN,
                ALERT_TOKEN);
        assertInvalid(() -> myDevices.register("ann", "phone", "APNS_VOIP", VOIP_TOKEN, Optional.of(notHex)), VOIP_TOKEN,
                notHex);
        for (String deviceId : new String[] {null, "", "my phone", "phone/1", "x".repeat(65), "tëlefon"}) {
            assertInvalid(() -> myDevices.register("ann", deviceId, "APNS_VOIP", VOIP_TOKEN, Optional.empty()),
                    VOIP_TOKEN);
            assertInvalid(() -> myDevices.unregister("ann", deviceId));
        }

        assertThat(devices.writes).isZero();
        assertThat(myDevices.list("ann")).isEmpty();
    }

    @Test
    void anUnknownPlatformIsToldTheKnownOnes() {
        assertThatThrownBy(() -> myDevices.register("ann", "phone", "GCM", FCM_TOKEN, Optional.empty()))
                .hasMessageContainingAll("APNS_VOIP", "APNS_VOIP_SANDBOX", "FCM");
    }

    @Test
    void aNewDeviceBeyondTheBoundIsRefusedButAKnownOneIsRefreshed() {
        for (int i = 0; i < Devices.MAX_PER_USER; i++) {
            myDevices.register("ann", "phone-" + i, "FCM", FCM_TOKEN, Optional.empty());
        }

        assertThatThrownBy(() -> myDevices.register("ann", "one-more", "FCM", FCM_TOKEN, Optional.empty()))
                .isInstanceOfSatisfying(RequestRefused.class, refused -> {
                    assertThat(refused.refusal()).isEqualTo(Refusal.TOO_MANY_DEVICES);
                    assertThat(refused.getMessage()).contains(Integer.toString(Devices.MAX_PER_USER))
                            .doesNotContain(FCM_TOKEN);
                });
        assertThat(myDevices.register("ann", "phone-4", "APNS_VOIP", VOIP_TOKEN, Optional.empty()).token())
                .isEqualTo(VOIP_TOKEN);
        assertThat(myDevices.list("ann")).hasSize(Devices.MAX_PER_USER);
        assertThat(myDevices.register("bob", "one-more", "FCM", FCM_TOKEN, Optional.empty())).as("per user").isNotNull();
    }

    @Test
    void unregisteringIsIdempotent() {
        myDevices.register("ann", "phone", "FCM", FCM_TOKEN, Optional.empty());

        myDevices.unregister("ann", "phone");
        myDevices.unregister("ann", "phone");
        myDevices.unregister("ann", "never-registered");

        assertThat(myDevices.list("ann")).isEmpty();
    }
}
