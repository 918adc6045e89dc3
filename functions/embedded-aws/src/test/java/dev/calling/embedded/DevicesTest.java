package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.Resources;
import dev.calling.adapters.devices.DynamoDbDevices;
import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import dev.calling.core.push.PushPlatform;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Devices registered for push, in the real table: replace by id, remove once, and the per-user bound under races. */
class DevicesTest {

    static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    static final String VOIP_TOKEN = "ab".repeat(32);
    static final String FCM_TOKEN = "fcm_" + "x".repeat(60);

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbDevices devices;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        devices = new DynamoDbDevices(dynamoDb, Resources.DEVICES.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
    }

    static Device iphone(String user, String id, String token, int second) {
        return new Device(user, id, PushPlatform.APNS_VOIP, token, null, T0.plusSeconds(second));
    }

    @Test
    void aDeviceRegisteredAgainKeepsItsFirstRegistrationAndTakesTheNewToken() {
        devices.register(iphone("ann", "iphone", VOIP_TOKEN, 1));
        devices.register(new Device("ann", "pixel", PushPlatform.FCM, FCM_TOKEN, null, T0.plusSeconds(2)));
        String refreshed = "cd".repeat(32);
        Device again = devices.register(new Device("ann", "iphone", PushPlatform.APNS_VOIP, refreshed, "ef".repeat(32),
                T0.plusSeconds(3)));

        assertThat(again.registeredAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(devices.of("ann")).extracting(Device::deviceId, Device::token)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("iphone", refreshed),
                        org.assertj.core.groups.Tuple.tuple("pixel", FCM_TOKEN));
        assertThat(devices.find("ann", "iphone")).get().extracting(Device::alertToken).isEqualTo("ef".repeat(32));
        devices.register(iphone("ann", "iphone", refreshed, 4));
        assertThat(devices.find("ann", "iphone")).get().extracting(Device::alertToken).as("dropped").isNull();
    }

    @Test
    void aRejectedTokenRemovesTheDeviceOnlyIfItStillHasItAndRemovalsHappenOnce() {
        devices.register(iphone("ben", "iphone", VOIP_TOKEN, 1));
        devices.register(iphone("ben", "iphone", "cd".repeat(32), 2)); // a new token meanwhile

        assertThat(devices.removeIfToken("ben", "iphone", VOIP_TOKEN)).isFalse();
        assertThat(devices.of("ben")).hasSize(1);
        assertThat(devices.remove("ben", "iphone")).isTrue();
        assertThat(devices.remove("ben", "iphone")).isFalse();
        assertThat(devices.removeIfToken("ben", "never", VOIP_TOKEN)).isFalse();
        assertThat(devices.of("ben")).isEmpty();
    }

    @Test
    void concurrentRegistrationsNeverExceedTheBoundAndRemovalsMakeRoomAgain() throws Exception {
        List<Callable<Boolean>> registrations = new ArrayList<>();
        for (int i = 0; i < 2 * Devices.MAX_PER_USER; i++) {
            String id = "phone-" + i;
            int second = i;
            registrations.add(() -> {
                try {
                    devices.register(iphone("cat", id, VOIP_TOKEN, second));
                    return true;
                } catch (Devices.TooManyDevices full) {
                    return false;
                }
            });
        }
        List<Boolean> results = AccountsTest.runTogether(registrations);

        assertThat(results.stream().filter(Boolean::booleanValue)).hasSize(Devices.MAX_PER_USER);
        assertThat(devices.of("cat")).hasSize(Devices.MAX_PER_USER);
        assertThatThrownBy(() -> devices.register(iphone("cat", "one-more", VOIP_TOKEN, 99)))
                .isInstanceOf(Devices.TooManyDevices.class);
        String someone = devices.of("cat").get(0).deviceId();
        devices.register(iphone("cat", someone, "cd".repeat(32), 100)); // a known device: always allowed
        assertThat(devices.remove("cat", someone)).isTrue();
        devices.register(iphone("cat", "one-more", VOIP_TOKEN, 101));
        assertThat(devices.of("cat")).hasSize(Devices.MAX_PER_USER);
    }

    @Test
    void aRejectedTokenStillStoredRemovesTheDevice() {
        assertThat(devices.of("dot")).isEmpty();
        assertThat(devices.find("dot", "iphone")).isEmpty();
        devices.register(iphone("dot", "iphone", VOIP_TOKEN, 1));
        devices.register(new Device("dot", "pixel", PushPlatform.FCM, FCM_TOKEN, null, T0.plusSeconds(2)));

        assertThat(devices.removeIfToken("dot", "iphone", VOIP_TOKEN)).isTrue();
        assertThat(devices.removeIfToken("dot", "iphone", VOIP_TOKEN)).as("once").isFalse();
        assertThat(devices.of("dot")).extracting(Device::deviceId).containsExactly("pixel");
    }

    @Test
    void removalsRefreshesAndNewDevicesAtOnceKeepTheBound() throws Exception {
        for (int i = 0; i < Devices.MAX_PER_USER; i++) {
            devices.register(iphone("eli", "known-" + i, VOIP_TOKEN, i));
        }
        String refreshed = "cd".repeat(32);
        List<Callable<String>> changes = new ArrayList<>();
        for (int i = 0; i < Devices.MAX_PER_USER; i++) {
            String known = "known-" + i;
            String newcomer = "new-" + i;
            int second = 100 + i;
            changes.add(i < Devices.MAX_PER_USER / 2
                    ? () -> devices.remove("eli", known) ? "removed" : "not removed"
                    : () -> devices.register(iphone("eli", known, refreshed, second)).registeredAt().equals(T0.plusSeconds(second))
                            ? "registered anew" : "refreshed");
            changes.add(() -> {
                try {
                    devices.register(iphone("eli", newcomer, VOIP_TOKEN, second));
                    return "added";
                } catch (Devices.TooManyDevices full) {
                    return "refused";
                }
            });
        }
        List<String> results = AccountsTest.runTogether(changes);

        assertThat(results).filteredOn("removed"::equals).hasSize(Devices.MAX_PER_USER / 2);
        assertThat(results).filteredOn("refreshed"::equals).hasSize(Devices.MAX_PER_USER / 2);
        long added = results.stream().filter("added"::equals).count();
        assertThat(added).as("only into the room the removals made").isLessThanOrEqualTo(Devices.MAX_PER_USER / 2);
        List<Device> stored = devices.of("eli");
        assertThat(stored).hasSize((int) (Devices.MAX_PER_USER / 2 + added));
        assertThat(stored).filteredOn(d -> d.deviceId().startsWith("known-")).hasSize(Devices.MAX_PER_USER / 2)
                .allSatisfy(d -> assertThat(d.token()).isEqualTo(refreshed));
    }
}
