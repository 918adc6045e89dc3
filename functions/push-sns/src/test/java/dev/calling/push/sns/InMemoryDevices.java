package dev.calling.push.sns;

import dev.calling.core.push.Device;
import dev.calling.core.push.Devices;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Devices port in memory, as the port's contract says (the DynamoDB adapter is written elsewhere). */
class InMemoryDevices implements Devices {

    private final Map<String, Map<String, Device>> byUser = new LinkedHashMap<>();

    @Override
    public synchronized List<Device> of(String userId) {
        List<Device> devices = new ArrayList<>(byUser.getOrDefault(userId, Map.of()).values());
        devices.sort(Comparator.comparing(Device::registeredAt));
        return devices;
    }

    @Override
    public synchronized Device register(Device device) {
        Map<String, Device> devices = byUser.computeIfAbsent(device.userId(), u -> new LinkedHashMap<>());
        if (!devices.containsKey(device.deviceId()) && devices.size() >= MAX_PER_USER) {
            throw new TooManyDevices(device.userId());
        }
        devices.put(device.deviceId(), device);
        return device;
    }

    @Override
    public synchronized boolean remove(String userId, String deviceId) {
        Map<String, Device> devices = byUser.get(userId);
        return devices != null && devices.remove(deviceId) != null;
    }

    @Override
    public synchronized boolean removeIfToken(String userId, String deviceId, String token) {
        Map<String, Device> devices = byUser.get(userId);
        Device device = devices == null ? null : devices.get(deviceId);
        if (device == null || !device.token().equals(token)) {
            return false;
        }
        devices.remove(deviceId);
        return true;
    }

    @Override
    public synchronized Optional<Device> find(String userId, String deviceId) {
        return Optional.ofNullable(byUser.getOrDefault(userId, Map.of()).get(deviceId));
    }
}
