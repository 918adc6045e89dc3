package dev.calling.local;

import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.embedded.SnsStub;
import dev.calling.push.sns.PushMessages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A phone whose calling app is asleep (suspended by the OS, no WebSocket open), as the demo and the tests play
 * it: the app registered the phone for push through the apps' API ({@code PUT /v1/me/devices/{deviceId}}); a
 * ring push ({@code incoming-call}) wakes it and, if it is to answer, it opens its WebSocket, waits until the
 * session service lists the new connection, and answers through the API on it, as an iOS app does after
 * reporting the VoIP push to CallKit. Every push it receives is kept, in order.
 */
public final class SleepingPhone implements AutoCloseable {

    /** What the phone's user does when it rings. */
    public enum Response { ANSWER, IGNORE }

    /** A push as the phone's app reads it: its {@code type} and {@code callId}, and when it arrived. */
    public record Received(String type, String callId, Instant at, String platform) {}

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final LocalSystem system;
    private final DevTokenIssuer tokens;
    private final String userId;
    private final String deviceId;
    private final String token;
    private final Response response;
    private final Consumer<String> log;
    private final List<Received> received = new ArrayList<>();
    private final List<AppClient.Socket> sockets = new ArrayList<>();
    private final ExecutorService app;

    private SleepingPhone(LocalSystem system, DevTokenIssuer tokens, String userId, String deviceId, String token,
            Response response, Consumer<String> log) {
        this.system = system;
        this.tokens = tokens;
        this.userId = userId;
        this.deviceId = deviceId;
        this.token = token;
        this.response = response;
        this.log = log;
        this.app = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "phone-" + deviceId);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The user's iPhone ({@code APNS_VOIP}), registered through the API with a PushKit token (for rings) and an
     * APNs token (for cancels and missed-call notices), fresh ones, and then put to sleep. Requires a system
     * with the apps' API.
     *
     * @param log told of each thing the phone does, for the demo (or ignores it)
     */
    public static SleepingPhone iPhone(LocalSystem system, DevTokenIssuer tokens, String userId, String deviceId,
            Response response, Consumer<String> log) {
        String voipToken = hexToken();
        String alertToken = hexToken();
        SleepingPhone phone = new SleepingPhone(system, tokens, userId, deviceId, voipToken, response, log);
        system.pushService().register(voipToken, phone::pushed);
        system.pushService().register(alertToken, phone::pushed);
        AppClient.Reply registered = phone.api().put("/v1/me/devices/" + deviceId, "{\"platform\":\"APNS_VOIP\",\"token\":\""
                + voipToken + "\",\"alertToken\":\"" + alertToken + "\"}");
        if (registered.status() / 100 != 2) {
            throw new IllegalStateException("registering " + deviceId + " failed: " + registered.status() + " "
                    + registered.body());
        }
        return phone;
    }

    private static String hexToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /** The PushKit (VoIP) token the phone registered. */
    public String voipToken() {
        return token;
    }

    public String userId() {
        return userId;
    }

    public String deviceId() {
        return deviceId;
    }

    /** Every push the phone received, oldest first. */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The pushes of {@code type} about {@code callId} the phone received. */
    public long received(String type, String callId) {
        return received().stream().filter(r -> r.type().equals(type) && r.callId().equals(callId)).count();
    }

    private AppClient api() {
        return new AppClient(system.gateway().orElseThrow().httpEndpoint(), tokens.mint(userId, Duration.ofHours(1)));
    }

    private void pushed(SnsStub.Delivery delivery) {
        Optional<PushMessages.Read> read = PushMessages.read(delivery.payload());
        if (read.isEmpty()) {
            log.accept(deviceId + ": unreadable push dropped");
            return;
        }
        Received push = new Received(read.get().type(), read.get().callId(), Instant.now(), delivery.platform());
        synchronized (received) {
            received.add(push);
        }
        log.accept(String.format(Locale.ROOT, "%s: %s push %s for %s", deviceId, delivery.platform(), push.type(),
                push.callId()));
        if (push.type().equals(PushMessages.INCOMING_CALL) && response == Response.ANSWER) {
            app.execute(() -> wakeAndAnswer(push.callId()));
        }
    }

    /** The woken app connects, waits until its connection is live, and answers on it. */
    private void wakeAndAnswer(String callId) {
        try {
            AppClient.Socket socket = AppClient.Socket.connect(system.gateway().orElseThrow().webSocketEndpoint(),
                    tokens.mint(userId, Duration.ofHours(1)));
            synchronized (sockets) {
                sockets.add(socket);
            }
            String connectionId = socket.heartbeat();
            system.awaitLive(userId, connectionId, Duration.ofSeconds(30));
            AppClient.Reply answered = api().post("/v1/calls/" + callId + "/answer",
                    "{\"connectionId\":\"" + connectionId + "\"}");
            log.accept(String.format(Locale.ROOT, "%s: woke, connected as %s, POST /v1/calls/%s/answer -> %d", deviceId,
                    connectionId, callId, answered.status()));
        } catch (RuntimeException e) {
            log.accept(deviceId + ": could not answer " + callId + ": " + e);
        }
    }

    /** The app goes back to sleep: its WebSockets close. */
    @Override
    public void close() {
        app.shutdownNow();
        synchronized (sockets) {
            sockets.forEach(socket -> {
                try {
                    socket.close();
                } catch (RuntimeException alreadyClosed) {
                    // the gateway closed it first
                }
            });
            sockets.clear();
        }
    }
}
