package dev.calling.resilience;

import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushPlatform;
import dev.calling.embedded.SnsStub;
import dev.calling.local.LocalSystem;
import dev.calling.push.sns.PushMessages;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Callees reached by push alone: users with no live connection and one registered device, an iPhone
 * ({@code APNS_VOIP}: a 64-hex PushKit token for rings and an APNs alert token for cancels and missed-call
 * notices) or an Android phone ({@code FCM}, one token). Each phone is registered in the system's
 * {@code PushService} (APNs / FCM): a ring push that SNS accepted wakes it; a phone whose user answers connects
 * the way the suite's other devices do (the simulated switch reports {@code ConnectionOpened}), waits until the
 * session service lists the new connection, and answers on it by publishing the {@code CallAnswered} the apps'
 * API publishes ({@code CallControl.answer}: event id {@code <callId>:answer}, unsequenced). After its call the
 * app goes back to sleep: its connection closes, and the phone is lent again only once the user has no live
 * connection left, so the next call to it is pushed too.
 */
final class PushPhones implements AutoCloseable {

    /** What the phone's user does when it rings. */
    enum Response { ANSWER, IGNORE }

    private static final Duration LIVE_WITHIN = Duration.ofSeconds(20);
    private static final Duration PUBLISH_FOR = Duration.ofSeconds(30);
    private static final Duration ASLEEP_WITHIN = Duration.ofSeconds(60);

    /** One sleeping phone. */
    final class Phone {
        final String userId;
        final Device device;
        final Response response;
        private volatile dev.calling.local.Device connection;
        private final AtomicInteger waking = new AtomicInteger();

        private Phone(String userId, Device device, Response response) {
            this.userId = userId;
            this.device = device;
            this.response = response;
        }

        /** The tokens SNS publishes to for this phone (the alert token too, on an iPhone). */
        List<String> tokens() {
            return device.alertToken() == null ? List.of(device.token()) : List.of(device.token(), device.alertToken());
        }

        private void pushed(SnsStub.Delivery delivery) {
            Optional<PushMessages.Read> push = PushMessages.read(delivery.payload());
            if (push.isEmpty() || !push.get().type().equals(PushMessages.INCOMING_CALL)) {
                return;
            }
            String callId = push.get().callId();
            ringDelivered.putIfAbsent(callId, System.nanoTime());
            if (response == Response.ANSWER) {
                waking.incrementAndGet();
                try {
                    apps.execute(() -> {
                        try {
                            wakeAndAnswer(callId);
                        } finally {
                            waking.decrementAndGet();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    waking.decrementAndGet();
                }
            }
        }

        /** The woken app connects, waits until its connection is live, and answers on it. */
        private void wakeAndAnswer(String callId) {
            if (ended(callId)) {
                return; // the ring came after the call ended: the app shows nothing (CallKit is told at once)
            }
            dev.calling.local.Device opened = system.simulatedSwitch().connect(userId, device.deviceId());
            connection = opened;
            long deadline = System.nanoTime() + LIVE_WITHIN.toNanos();
            while (!live(opened.connectionId())) {
                if (System.nanoTime() > deadline) {
                    notLive.incrementAndGet();
                    return;
                }
                pause(50);
            }
            liveAt.putIfAbsent(callId, System.nanoTime());
            CallEvent.CallAnswered answer = new CallEvent.CallAnswered(callId + ":answer", callId, Instant.now(), 0, 0,
                    opened.connectionId());
            long publishDeadline = System.nanoTime() + PUBLISH_FOR.toNanos();
            while (true) {
                try {
                    system.publisher().publish(answer);
                    answered.incrementAndGet();
                    return;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > publishDeadline) {
                        answersNotPublished.incrementAndGet();
                        return;
                    }
                    pause(200); // the queue unreachable: the apps' API would answer 5xx and the app retry
                }
            }
        }

        private boolean live(String connectionId) {
            try {
                return system.sessions().sessionsOf(userId).liveConnectionIds(Instant.now()).contains(connectionId);
            } catch (RuntimeException e) {
                return false; // DynamoDB restarting or throttled: look again
            }
        }

        private boolean ended(String callId) {
            try {
                return system.call(callId).map(Call::isTerminal).orElse(false);
            } catch (RuntimeException e) {
                return false;
            }
        }

        private boolean noLiveConnection() {
            try {
                return system.sessions().sessionsOf(userId).liveConnectionIds(Instant.now()).isEmpty();
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return userId + "/" + device.deviceId() + " " + device.platform();
        }
    }

    private final LocalSystem system;
    private final SplittableRandom random;
    private final ExecutorService apps = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "push-phone");
        t.setDaemon(true);
        return t;
    });
    /** Per call, when its first ring push reached a phone ({@link System#nanoTime()}). */
    private final Map<String, Long> ringDelivered = new ConcurrentHashMap<>();
    /** Per answered call, when the woken app's connection was listed live. */
    private final Map<String, Long> liveAt = new ConcurrentHashMap<>();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong notLive = new AtomicLong();
    private final AtomicLong answersNotPublished = new AtomicLong();
    private final AtomicLong stayedAwake = new AtomicLong();

    PushPhones(LocalSystem system, long seed) {
        this.system = system;
        this.random = new SplittableRandom(seed);
    }

    /**
     * Registers a phone for {@code userId} in the devices table and with the push service: an iPhone, or every
     * third one an Android phone. The user has no connection.
     */
    synchronized Phone register(String userId, int index, Response response) {
        boolean android = index % 3 == 2;
        Device device = android
                ? new Device(userId, "pixel", PushPlatform.FCM, fcmToken(), null, Instant.now())
                : new Device(userId, "iphone", PushPlatform.APNS_VOIP, hexToken(), hexToken(), Instant.now());
        system.devices().register(device);
        Phone phone = new Phone(userId, device, response);
        phone.tokens().forEach(token -> system.pushService().register(token, phone::pushed));
        return phone;
    }

    private String hexToken() {
        byte[] bytes = new byte[32];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return HexFormat.of().formatHex(bytes);
    }

    /** An FCM registration token's shape: an instance id, ':', then URL-safe base64 (about 160 characters). */
    private String fcmToken() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < 163; i++) {
            token.append(i == 22 ? ':' : alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }

    /**
     * After its call the app goes back to sleep: once no wake-up is in progress its connection (if it opened
     * one) closes, and {@code then} runs once the user has no live connection (or after a minute, counted).
     */
    void sleep(Phone phone, ScheduledExecutorService on, Runnable then) {
        long deadline = System.nanoTime() + ASLEEP_WITHIN.toNanos();
        Runnable[] step = new Runnable[1];
        step[0] = () -> {
            if (phone.waking.get() > 0 && System.nanoTime() < deadline) {
                on.schedule(step[0], 200, TimeUnit.MILLISECONDS);
                return;
            }
            dev.calling.local.Device open = phone.connection;
            if (open != null) {
                phone.connection = null;
                try {
                    open.disconnect();
                } catch (RuntimeException e) {
                    // the switch gave up publishing: the connection expires, the wait below ends by the deadline
                }
            }
            if (!phone.noLiveConnection() && System.nanoTime() < deadline) {
                on.schedule(step[0], 200, TimeUnit.MILLISECONDS);
                return;
            }
            if (!phone.noLiveConnection()) {
                stayedAwake.incrementAndGet();
            }
            then.run();
        };
        on.execute(step[0]);
    }

    /** When the call's first ring push reached its phone ({@link System#nanoTime()}), if it did. */
    Optional<Long> ringDelivered(String callId) {
        return Optional.ofNullable(ringDelivered.get(callId));
    }

    /** When the woken app's connection was listed live for the call ({@link System#nanoTime()}), if it was. */
    Optional<Long> liveAt(String callId) {
        return Optional.ofNullable(liveAt.get(callId));
    }

    /** What the phones did, for the report. */
    Map<String, Long> counts() {
        return Map.of("answers published by woken apps", answered.get(),
                "woken apps whose connection was not listed live in time", notLive.get(),
                "answers the woken app could not publish", answersNotPublished.get(),
                "phones still with a live connection a minute after their call", stayedAwake.get());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        apps.shutdownNow();
    }
}
