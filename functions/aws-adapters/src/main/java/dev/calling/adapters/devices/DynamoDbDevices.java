package dev.calling.adapters.devices;

import static dev.calling.adapters.dynamodb.Attributes.n;
import static dev.calling.adapters.dynamodb.Attributes.s;

import dev.calling.adapters.dynamodb.Backoff;
import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import dev.calling.core.push.PushPlatform;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The devices users registered for push, in the {@code devices} table: one item per user ({@code userId}),
 * its {@code devices} map (device id to platform, token, alertToken, registeredAt) and a {@code version}.
 * Reading a user's devices is one strongly consistent GetItem; every change reads the item, changes the map
 * and puts it back guarded by the version it read (by {@code attribute_not_exists} when new), starting again
 * after a jittered back-off when another writer came first. So the bound ({@link Devices#MAX_PER_USER}) holds
 * under concurrent registrations without transactions: the count and the devices are the same item, so no
 * counter can drift from them, and a remove makes room in the same write. (A per-device item with a counter
 * item would need TransactWriteItems for every change, twice the write cost, and the embedded DynamoDB of the
 * tests and the local run, dynalite, has no transactions.) A write that loses a race means another writer's
 * change went in, and one user's few apps make few changes at once (twenty new devices at once, in the test,
 * can make at most ten changes), so {@code MAX_ATTEMPTS} is far above what a writer needs. The item is
 * small: ten devices with typical tokens (APNs 64 hex digits, FCM about 160 characters) are a few KB; even
 * ten FCM tokens of the longest shape accepted (4096) stay near 42 KB, far under DynamoDB's 400 KB.
 *
 * <p>Re-registering a device (a refreshed token, the same device id again) replaces its platform and tokens
 * (an alert token not sent again is dropped) and keeps its first registration time, so the order of
 * {@link #of} (oldest registration first) does not change with every token refresh.
 */
public final class DynamoDbDevices implements Devices {

    private static final int MAX_ATTEMPTS = 30;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbDevices(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = dynamoDb;
        this.table = table;
    }

    @Override
    public List<Device> of(String userId) {
        return read(userId).devices();
    }

    @Override
    public Optional<Device> find(String userId, String deviceId) {
        return of(userId).stream().filter(d -> d.deviceId().equals(deviceId)).findFirst();
    }

    @Override
    public Device register(Device device) {
        Device[] stored = new Device[1];
        change(device.userId(), devices -> {
            Optional<Device> known = devices.stream().filter(d -> d.deviceId().equals(device.deviceId())).findFirst();
            if (known.isEmpty() && devices.size() >= MAX_PER_USER) {
                throw new TooManyDevices(device.userId());
            }
            stored[0] = new Device(device.userId(), device.deviceId(), device.platform(), device.token(),
                    device.alertToken(), known.map(Device::registeredAt).orElse(device.registeredAt()));
            List<Device> after = new ArrayList<>(devices);
            after.removeIf(d -> d.deviceId().equals(device.deviceId()));
            after.add(stored[0]);
            return after;
        });
        return stored[0];
    }

    @Override
    public boolean remove(String userId, String deviceId) {
        return removeWhere(userId, deviceId, null);
    }

    @Override
    public boolean removeIfToken(String userId, String deviceId, String token) {
        return removeWhere(userId, deviceId, token);
    }

    private boolean removeWhere(String userId, String deviceId, String token) {
        boolean[] removed = new boolean[1];
        change(userId, devices -> {
            List<Device> after = new ArrayList<>(devices);
            removed[0] = after.removeIf(d -> d.deviceId().equals(deviceId) && (token == null || d.token().equals(token)));
            return removed[0] ? after : null;
        });
        return removed[0];
    }

    /** Applies {@code edit} (null: nothing to write) to the user's devices, version-guarded, retried on races. */
    private void change(String userId, UnaryOperator<List<Device>> edit) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Backoff.fullJitter(attempt, 200, "a devices write");
            Stored current = read(userId);
            List<Device> after = edit.apply(current.devices());
            if (after == null) {
                return;
            }
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("userId", s(userId));
            item.put("version", n(current.version() + 1));
            Map<String, AttributeValue> map = new HashMap<>();
            after.forEach(d -> map.put(d.deviceId(), AttributeValue.fromM(attributes(d))));
            item.put("devices", AttributeValue.fromM(map));
            try {
                dynamoDb.putItem(r -> {
                    r.tableName(table).item(item);
                    if (current.version() == 0) {
                        r.conditionExpression("attribute_not_exists(userId)");
                    } else {
                        r.conditionExpression("version = :v").expressionAttributeValues(Map.of(":v", n(current.version())));
                    }
                });
                return;
            } catch (ConditionalCheckFailedException anotherWriterFirst) {
                // read again
            }
        }
        throw new IllegalStateException("the devices of " + userId + " kept changing under " + MAX_ATTEMPTS + " tries");
    }

    private record Stored(List<Device> devices, long version) {}

    private Stored read(String userId) {
        Map<String, AttributeValue> item = dynamoDb.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("userId", s(userId)))).item();
        if (item == null || item.isEmpty()) {
            return new Stored(List.of(), 0);
        }
        List<Device> devices = new ArrayList<>();
        item.get("devices").m().forEach((deviceId, value) -> devices.add(device(userId, deviceId, value.m())));
        devices.sort(Comparator.comparing(Device::registeredAt).thenComparing(Device::deviceId));
        return new Stored(List.copyOf(devices), Long.parseLong(item.get("version").n()));
    }

    private static Map<String, AttributeValue> attributes(Device device) {
        Map<String, AttributeValue> value = new HashMap<>();
        value.put("platform", s(device.platform().name()));
        value.put("token", s(device.token()));
        if (device.alertToken() != null) {
            value.put("alertToken", s(device.alertToken()));
        }
        value.put("registeredAt", s(device.registeredAt().toString()));
        return value;
    }

    private static Device device(String userId, String deviceId, Map<String, AttributeValue> value) {
        AttributeValue alert = value.get("alertToken");
        return new Device(userId, deviceId, PushPlatform.valueOf(value.get("platform").s()), value.get("token").s(),
                alert == null ? null : alert.s(), Instant.parse(value.get("registeredAt").s()));
    }
}
