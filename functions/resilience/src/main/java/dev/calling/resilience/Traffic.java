package dev.calling.resilience;

import dev.calling.core.money.Money;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.local.CallerScript;
import dev.calling.local.Device;
import dev.calling.local.LocalSystem;
import dev.calling.local.RingResponse;
import dev.calling.local.SimulatedSwitch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Simulated users placing calls through the simulated switch: {@code callers} app devices, each
 * on its own thread, place one call after another (a closed loop: the next call once the last has
 * ended), picking a {@link Scenario} by weight. Callees are app devices in pools by how they answer
 * (a device is lent to one call at a time, so two calls do not collide on it), phone numbers with
 * fixed behaviour behind the simulated carriers, and users who are offline.
 *
 * <p>Callees reached by push ({@link PushPhones}): users with no live connection and a registered phone
 * (an iPhone or an Android phone), in pools by how their user responds to the ring; each is lent to one call at
 * a time and comes back once its woken app has gone back to sleep (no live connection left). Before each pushed
 * call the phone's tokens may get a burst of transient SNS failures ({@link SnsFaults}); the callees of
 * {@link Scenario#VOIP_PUSH_SNS_DOWN} have SNS refuse their tokens for {@link #snsDown} and come back healed.
 *
 * <p>Who pays: every two callers share a user ({@code payer-N}, 1000 USD), so two concurrent calls
 * reserve from the same account; {@code cutoff-N} users have 0.03 USD (three seconds at 0.01 USD a
 * second) and make one call each, which is cut off; {@code broke-N} users have nothing.
 */
final class Traffic {

    /** How the simulated people behave. */
    /** @param longTalk a talk longer than the ring timeout */
    record Timing(Duration answerAfter, Duration talk, Duration declineAfter, Duration cancelAfter, Duration longTalk) {}

    /** One call as placed: its id, what it should do, who placed it and when (this JVM's clock). */
    record Placed(String callId, Scenario scenario, String callerUserId, long requestedNanos, Instant requestedAt) {}

    /** The users, known before the system starts (subscribers are stored at start). */
    record Population(int callers, int cutOffUsers, int brokeUsers) {

        String payer(int caller) {
            return "payer-" + caller / 2;
        }

        List<String> payers() {
            return numbered("payer-", (callers + 1) / 2);
        }

        List<String> cutOffs() {
            return numbered("cutoff-", cutOffUsers);
        }

        List<String> brokes() {
            return numbered("broke-", brokeUsers);
        }

        private static List<String> numbered(String prefix, int count) {
            return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
        }

        /** Every user who may dial numbers; they pay for it. */
        List<Subscriber> subscribers() {
            return Stream.of(payers(), cutOffs(), brokes()).flatMap(List::stream)
                    .map(user -> new Subscriber(user, Optional.empty(), RoutingPlan.withPstn(List.of()))).toList();
        }
    }

    static final Money PAYER_TOP_UP = Money.of("1000.00", "USD");
    static final Money CUT_OFF_TOP_UP = Money.of("0.03", "USD");

    static final String LINE_ANSWERS = "+442079460001";
    static final String LINE_ANSWERS_HANGS_UP = "+442079460002";
    static final String LINE_BUSY = "+442079460003";
    static final String LINE_DECLINES = "+442079460004";
    static final String LINE_NO_ANSWER = "+442079460005";
    static final String LINE_TALKS_LONG = "+442079460006";
    static final String LINE_TALKS_PAST_RING_TIMEOUT = "+442079460007";
    static final String INVALID_NUMBER = "+44791112";

    private final Stack stack;
    private final LocalSystem system;
    private final SimulatedSwitch sw;
    private final Population population;
    private final Timing timing;
    private final Map<Scenario, Integer> weights;
    private final int totalWeight;
    private final long seed;
    private final Duration callDeadline;
    private final ScheduledExecutorService returns = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "traffic-returns");
        t.setDaemon(true);
        return t;
    });
    private final List<Device> callerDevices = new ArrayList<>();
    private final Map<String, BlockingQueue<Device>> callees = new java.util.HashMap<>();
    private final BlockingQueue<Device> brokeDevices = new LinkedBlockingQueue<>();
    private final BlockingQueue<Device> cutOffDevices = new LinkedBlockingQueue<>();
    private final Queue<Placed> placed = new ConcurrentLinkedQueue<>();
    private final java.util.Set<String> pstnCalls = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Map<String, BlockingQueue<PushPhones.Phone>> pushPools = new java.util.HashMap<>();
    private final PushPhones pushPhones;
    private final SnsFaults snsFaults;
    private final java.util.Set<String> snsDownCalls = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Duration snsDown = Duration.ofSeconds(30);
    /** SNS outages still owed: a short run may not pick the rare scenario, so the first pushed calls make up for it. */
    private final java.util.concurrent.atomic.AtomicInteger snsDownOwed = new java.util.concurrent.atomic.AtomicInteger(1);
    private final AtomicLong offline = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();

    Traffic(Stack stack, Population population, Timing timing, Map<Scenario, Integer> weights, long seed,
            Duration callDeadline) {
        this.stack = stack;
        this.system = stack.system;
        this.sw = system.simulatedSwitch();
        this.population = population;
        this.timing = timing;
        this.weights = new EnumMap<>(weights);
        this.totalWeight = weights.values().stream().mapToInt(Integer::intValue).sum();
        this.seed = seed;
        this.callDeadline = callDeadline;
        this.pushPhones = new PushPhones(system, seed * 31 + 5);
        this.snsFaults = new SnsFaults(system.sns(), stack.faults, seed * 31 + 6);
    }

    /** Tops up the payers, connects every device and phone line, and waits until all are live. */
    void setUp() {
        Instant now = Instant.now();
        population.payers().forEach(u -> system.accounts().topUp(u, u + "-card", PAYER_TOP_UP, now));
        population.cutOffs().forEach(u -> system.accounts().topUp(u, u + "-card", CUT_OFF_TOP_UP, now));

        List<Device> all = new ArrayList<>();
        for (int i = 0; i < population.callers(); i++) {
            Device device = sw.connect(population.payer(i), "phone-" + i);
            callerDevices.add(device);
            all.add(device);
        }
        pool("answers", size(2, Scenario.VOIP_CALLER_HANGS_UP), RingResponse.answerAfter(timing.answerAfter()), all);
        pool("answers-hangs-up", size(2, Scenario.VOIP_CALLEE_HANGS_UP),
                RingResponse.answerAfter(timing.answerAfter(), timing.talk()), all);
        pool("declines", size(2, Scenario.VOIP_DECLINED), new RingResponse.Decline(timing.declineAfter()), all);
        pool("ignores", size(3, Scenario.VOIP_MISSED, Scenario.VOIP_CANCELLED), new RingResponse.Ignore(), all);
        pool("busy", size(2, Scenario.VOIP_BUSY), new RingResponse.Busy(), all);
        pool("vanishes", size(2, Scenario.VOIP_CALLEE_VANISHES), RingResponse.answerAfter(timing.answerAfter()), all);
        for (String user : population.brokes()) {
            Device device = sw.connect(user, "phone");
            brokeDevices.add(device);
            all.add(device);
        }
        for (String user : population.cutOffs()) {
            Device device = sw.connect(user, "phone");
            cutOffDevices.add(device);
            all.add(device);
        }
        pushPool("pushed-answers", size(3, Scenario.VOIP_PUSHED_ANSWERED), PushPhones.Response.ANSWER);
        pushPool("pushed-ignores", size(3, Scenario.VOIP_PUSHED_MISSED, Scenario.VOIP_PUSHED_CANCELLED),
                PushPhones.Response.IGNORE);
        // Lent for the outage (longer than a call) and back only once healed.
        pushPool("sns-down", size(10, Scenario.VOIP_PUSH_SNS_DOWN), PushPhones.Response.ANSWER);
        sw.phoneLine(LINE_ANSWERS, RingResponse.answerAfter(timing.answerAfter()));
        sw.phoneLine(LINE_ANSWERS_HANGS_UP, RingResponse.answerAfter(timing.answerAfter(), timing.talk()));
        sw.phoneLine(LINE_BUSY, new RingResponse.Busy());
        sw.phoneLine(LINE_DECLINES, new RingResponse.Decline(timing.declineAfter()));
        sw.phoneLine(LINE_NO_ANSWER, new RingResponse.Ignore());
        sw.phoneLine(LINE_TALKS_LONG, RingResponse.answerAfter(timing.answerAfter(), Duration.ofMinutes(5)));
        sw.phoneLine(LINE_TALKS_PAST_RING_TIMEOUT, RingResponse.answerAfter(timing.answerAfter(), timing.longTalk()));
        for (Device device : all) {
            system.awaitLive(device, Duration.ofSeconds(120));
        }
    }

    /**
     * Callee devices for a pool: {@code factor} times the callers expected to use it at once (a
     * device is lent for its call plus a grace period), so callers rarely wait for a callee.
     */
    private int size(int factor, Scenario... using) {
        int weight = 0;
        for (Scenario scenario : using) {
            weight += weights.getOrDefault(scenario, 0);
        }
        if (weight == 0) {
            return 0;
        }
        return (int) Math.ceil(population.callers() * (double) weight / totalWeight * factor) + 4;
    }

    private void pool(String name, int size, RingResponse response, List<Device> all) {
        BlockingQueue<Device> pool = new LinkedBlockingQueue<>();
        for (int i = 0; i < size; i++) {
            Device device = sw.connect("callee-" + name + "-" + i, "phone").whenRung(response);
            pool.add(device);
            all.add(device);
        }
        callees.put(name, pool);
    }

    private void pushPool(String name, int size, PushPhones.Response response) {
        BlockingQueue<PushPhones.Phone> pool = new LinkedBlockingQueue<>();
        for (int i = 0; i < size; i++) {
            pool.add(pushPhones.register("callee-" + name + "-" + i, i, response));
        }
        pushPools.put(name, pool);
    }

    /**
     * Runs every caller until {@code placeAnother} says no more (it is asked once before each call,
     * and may count), then waits for the callers' last calls.
     */
    void run(BooleanSupplier placeAnother) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < callerDevices.size(); i++) {
            Device device = callerDevices.get(i);
            SplittableRandom random = new SplittableRandom(seed * 1_000 + i);
            Thread thread = new Thread(() -> callerLoop(device, random, placeAnother), "caller-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private void callerLoop(Device own, SplittableRandom random, BooleanSupplier placeAnother) {
        while (placeAnother.getAsBoolean()) {
            try {
                call(own, pick(random));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                System.err.println("caller " + own + ": " + e);
            }
        }
    }

    private Scenario pick(SplittableRandom random) {
        int roll = random.nextInt(totalWeight);
        for (Map.Entry<Scenario, Integer> entry : weights.entrySet()) {
            roll -= entry.getValue();
            if (roll < 0) {
                return entry.getKey();
            }
        }
        throw new IllegalStateException("weights");
    }

    private void call(Device own, Scenario picked) throws InterruptedException {
        Scenario scenario = picked;
        if (weights.containsKey(Scenario.VOIP_PUSH_SNS_DOWN) && (scenario == Scenario.VOIP_PUSH_SNS_DOWN
                || scenario == Scenario.VOIP_PUSHED_ANSWERED || scenario == Scenario.VOIP_PUSHED_MISSED)
                && snsDownOwed.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            scenario = Scenario.VOIP_PUSH_SNS_DOWN;
        }
        Device caller = own;
        Device callee = null;
        BlockingQueue<Device> lentFrom = null;
        BlockingQueue<PushPhones.Phone> phoneFrom = null;
        String calleeUser = null;
        String number = null;
        CallerScript script = CallerScript.waitForOtherSide();
        switch (scenario) {
            case VOIP_CALLER_HANGS_UP -> {
                lentFrom = callees.get("answers");
                script = CallerScript.hangUpAfterTalking(timing.talk());
            }
            case VOIP_CALLEE_HANGS_UP -> lentFrom = callees.get("answers-hangs-up");
            case VOIP_DECLINED -> lentFrom = callees.get("declines");
            case VOIP_MISSED -> lentFrom = callees.get("ignores");
            case VOIP_CANCELLED -> {
                lentFrom = callees.get("ignores");
                script = CallerScript.cancelAfter(timing.cancelAfter());
            }
            case VOIP_BUSY -> lentFrom = callees.get("busy");
            case VOIP_OFFLINE -> calleeUser = "offline-" + offline.incrementAndGet();
            case VOIP_CALLEE_VANISHES -> lentFrom = callees.get("vanishes");
            case VOIP_PUSHED_ANSWERED -> {
                phoneFrom = pushPools.get("pushed-answers");
                script = CallerScript.hangUpAfterTalking(timing.talk());
            }
            case VOIP_PUSHED_MISSED -> phoneFrom = pushPools.get("pushed-ignores");
            case VOIP_PUSHED_CANCELLED -> {
                phoneFrom = pushPools.get("pushed-ignores");
                script = CallerScript.cancelAfter(timing.cancelAfter());
            }
            case VOIP_PUSH_SNS_DOWN -> phoneFrom = pushPools.get("sns-down");
            case PSTN_CALLER_HANGS_UP -> {
                number = LINE_ANSWERS;
                script = CallerScript.hangUpAfterTalking(timing.talk());
            }
            case PSTN_CALLEE_HANGS_UP -> number = LINE_ANSWERS_HANGS_UP;
            case PSTN_TALKS_PAST_RING_TIMEOUT -> number = LINE_TALKS_PAST_RING_TIMEOUT;
            case PSTN_BUSY -> number = LINE_BUSY;
            case PSTN_DECLINED -> number = LINE_DECLINES;
            case PSTN_MISSED -> number = LINE_NO_ANSWER;
            case PSTN_CUT_OFF -> {
                caller = cutOffDevices.poll();
                if (caller == null) { // every cut-off user has had their call
                    call(own, Scenario.PSTN_CALLER_HANGS_UP);
                    return;
                }
                number = LINE_TALKS_LONG;
            }
            case PSTN_NO_FUNDS -> {
                caller = brokeDevices.poll(5, TimeUnit.SECONDS);
                if (caller == null) {
                    call(own, Scenario.VOIP_OFFLINE);
                    return;
                }
                number = LINE_ANSWERS;
            }
            case PSTN_INVALID_NUMBER -> number = INVALID_NUMBER;
            default -> throw new IllegalStateException(scenario.name());
        }
        if (lentFrom != null) {
            callee = lentFrom.poll(5, TimeUnit.SECONDS);
            if (callee == null) {
                call(own, Scenario.VOIP_OFFLINE);
                return;
            }
            calleeUser = callee.userId();
        }
        PushPhones.Phone phone = null;
        if (phoneFrom != null) {
            phone = phoneFrom.poll(5, TimeUnit.SECONDS);
            if (phone == null) {
                call(own, Scenario.VOIP_OFFLINE);
                return;
            }
            calleeUser = phone.userId;
            if (scenario == Scenario.VOIP_PUSH_SNS_DOWN) {
                snsFaults.down(phone, snsDown);
            } else {
                snsFaults.beforeCall(phone);
            }
        }
        long requested = System.nanoTime();
        Instant requestedAt = Instant.now();
        String callId = number != null ? caller.dial(number, script) : caller.call(calleeUser, script);
        placed.add(new Placed(callId, scenario, caller.userId(), requested, requestedAt));
        if (scenario == Scenario.VOIP_PUSH_SNS_DOWN) {
            snsDownCalls.add(callId);
        }
        if (scenario.pstn) {
            pstnCalls.add(callId);
        }
        if (scenario == Scenario.VOIP_CALLEE_VANISHES) {
            Device vanishing = callee;
            // The app dies mid-call: its connection closes, it never hangs up.
            returns.schedule(vanishing::disconnect, timing.answerAfter().plus(timing.talk()).toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        boolean ended = false;
        try {
            stack.tracker.of(callId).ended().get(callDeadline.toMillis(), TimeUnit.MILLISECONDS);
            ended = true;
        } catch (TimeoutException e) {
            timedOut.incrementAndGet();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
        // Give the switch time to carry out the release before the devices are used again.
        if (callee != null && scenario == Scenario.VOIP_CALLEE_VANISHES) {
            // The user opens the app again: a new connection, back in the pool once it is live.
            Device gone = callee;
            BlockingQueue<Device> pool = lentFrom;
            returns.schedule(() -> {
                Device again = sw.connect(gone.userId(), "phone").whenRung(RingResponse.answerAfter(timing.answerAfter()));
                returns.schedule(() -> pool.add(again), 1500, TimeUnit.MILLISECONDS);
            }, 1500, TimeUnit.MILLISECONDS);
        } else if (callee != null && ended) {
            Device lent = callee;
            BlockingQueue<Device> pool = lentFrom;
            returns.schedule(() -> pool.add(lent), 1500, TimeUnit.MILLISECONDS);
        }
        if (phone != null) {
            PushPhones.Phone lent = phone;
            BlockingQueue<PushPhones.Phone> pool = phoneFrom;
            if (scenario == Scenario.VOIP_PUSH_SNS_DOWN) {
                long downFor = Math.max(0, snsDown.toMillis() - Duration.ofNanos(System.nanoTime() - requested).toMillis());
                returns.schedule(() -> {
                    snsFaults.heal(lent);
                    pushPhones.sleep(lent, returns, () -> pool.add(lent));
                }, downFor, TimeUnit.MILLISECONDS);
            } else if (ended) {
                pushPhones.sleep(lent, returns, () -> pool.add(lent));
            }
        }
        if (scenario == Scenario.PSTN_NO_FUNDS) {
            Device broke = caller;
            returns.schedule(() -> brokeDevices.add(broke), 200, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether a call was placed to a phone number (its carrier's reports are webhooks, which can be lost). */
    boolean isPstn(String callId) {
        return pstnCalls.contains(callId);
    }

    /** The calls whose callee's tokens SNS refused past the retry window. */
    java.util.Set<String> snsDownCalls() {
        return java.util.Set.copyOf(snsDownCalls);
    }

    /** How long SNS refuses the tokens of a {@link Scenario#VOIP_PUSH_SNS_DOWN} callee. */
    void snsDown(Duration down) {
        this.snsDown = down;
    }

    SnsFaults snsFaults() {
        return snsFaults;
    }

    PushPhones pushPhones() {
        return pushPhones;
    }

    List<Placed> placed() {
        return List.copyOf(placed);
    }

    /** Calls the caller stopped waiting for (they may still end). */
    long timedOut() {
        return timedOut.get();
    }

    Population population() {
        return population;
    }

    void close() {
        returns.shutdownNow();
        pushPhones.close();
    }
}
