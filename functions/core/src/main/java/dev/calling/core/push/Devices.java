package dev.calling.core.push;

import java.util.List;
import java.util.Optional;

/** Port: the devices each user registered for push, at most {@link #MAX_PER_USER} per user. */
public interface Devices {

    /** How many devices one user may register: enough for phones and tablets, few enough to push to all. */
    int MAX_PER_USER = 10;

    /** No user has a device registered (wirings without push); registering one is refused. */
    Devices NONE = new Devices() {
        public List<Device> of(String userId) {
            return List.of();
        }

        public Device register(Device device) {
            throw new UnsupportedOperationException("no device store is wired");
        }

        public boolean remove(String userId, String deviceId) {
            return false;
        }

        public boolean removeIfToken(String userId, String deviceId, String token) {
            return false;
        }

        public Optional<Device> find(String userId, String deviceId) {
            return Optional.empty();
        }
    };

    /** The user's devices, oldest registration first. */
    List<Device> of(String userId);

    /**
     * Registers the device, or replaces its platform and token (the same device id again). Refused with
     * {@link TooManyDevices} for a new device when the user has {@link #MAX_PER_USER} already.
     *
     * @return the device as stored
     */
    Device register(Device device);

    /** Unregisters the device; false if there was none. */
    boolean remove(String userId, String deviceId);

    /**
     * Removes the device only if it still has {@code token}: how a token the push service reports invalid is
     * dropped without undoing a registration of a new token made meanwhile.
     */
    boolean removeIfToken(String userId, String deviceId, String token);

    /** The device, if registered. */
    Optional<Device> find(String userId, String deviceId);

    /** A new device when the user has {@link #MAX_PER_USER} already. */
    final class TooManyDevices extends RuntimeException {
        public TooManyDevices(String userId) {
            super(userId + " has " + MAX_PER_USER + " devices registered already; unregister one first");
        }
    }
}
