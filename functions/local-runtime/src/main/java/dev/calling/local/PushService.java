package dev.calling.local;

import dev.calling.embedded.SnsStub;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Stands in for APNs and FCM in the local system: hands each push that SNS (its stub) accepted to the
 * simulated phone holding the token, and keeps every delivery for the demo and the tests. A push to a token
 * no phone holds is kept and goes nowhere, as a push to a phone that is off.
 */
public final class PushService implements Consumer<SnsStub.Delivery> {

    private final Map<String, Consumer<SnsStub.Delivery>> phones = new ConcurrentHashMap<>();
    private final List<SnsStub.Delivery> delivered = new ArrayList<>();

    /** The phone holding {@code token} is told of each push to it, one at a time. */
    public void register(String token, Consumer<SnsStub.Delivery> phone) {
        phones.put(token, phone);
    }

    @Override
    public void accept(SnsStub.Delivery delivery) {
        synchronized (delivered) {
            delivered.add(delivery);
        }
        Consumer<SnsStub.Delivery> phone = phones.get(delivery.token());
        if (phone != null) {
            phone.accept(delivery);
        }
    }

    /** Every push delivered to {@code token}, oldest first. */
    public List<SnsStub.Delivery> deliveredTo(String token) {
        synchronized (delivered) {
            return delivered.stream().filter(d -> d.token().equals(token)).toList();
        }
    }

    /** Every push delivered, oldest first. */
    public List<SnsStub.Delivery> delivered() {
        synchronized (delivered) {
            return List.copyOf(delivered);
        }
    }
}
