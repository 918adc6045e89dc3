package dev.calling.resilience;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.Party;
import dev.calling.embedded.ChimeMeetingsStub;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.local.Device;
import dev.calling.local.LocalSystem;
import dev.calling.switching.chime.ChimeMeetingsClients;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.chimesdkmeetings.ChimeSdkMeetingsClient;

/**
 * Call set-up latency with the switch of the AWS deployment in the loop: the Amazon Chime SDK
 * Meetings adapter ({@code ChimeSwitchFunction}) with its real AWS SDK client, consuming
 * {@code switch-commands.fifo} of the local stack, against the local WireMock stub of the Chime SDK
 * Meetings API ({@link ChimeMeetingsStub}, which answers in about a millisecond).
 *
 * <p>{@code callers} pairs of users, each with its own caller and callee connection, loop for a
 * fixed time: the caller places a call ({@code CallRequested}); when the call is stored RINGING the
 * callee's app answers {@code answer-ms} later ({@code CallAnswered}); {@code talk-ms} after it is
 * stored CONNECTED the caller hangs up ({@code CallHungUp}); when it is ENDED the pair places the
 * next one. With the Chime switch the simulated devices neither ring nor answer: this driver plays
 * the apps. It prints, for the calls placed in the steady window (after the warm-up):
 * <ul>
 * <li><b>request → ring</b>: from publishing {@code CallRequested} until the caller's join info is
 * handed out (its meeting and attendee exist: the caller's app can join and hear ringback), and
 * request → RINGING stored;</li>
 * <li><b>answer → bridge</b>: from publishing {@code CallAnswered} until the callee's join info is
 * handed out, and answer → CONNECTED stored;</li>
 * <li>completed calls per second, calls not ended {@code COMPLETED} (must be 0), Chime SDK
 * Meetings requests per call by operation (the stub's request log), meetings left live once every
 * call ended (must be 0), the load average, and the media cost of a call at list price.</li>
 * </ul>
 * The goal (p99 request → ring ≤ 300 ms, p99 answer → bridge ≤ 200 ms below saturation)
 * is printed as held or not, never asserted: wall-clock figures belong here, not in a unit test.
 * Exits 1 if a must-be-zero figure is not zero.
 * {@code functions/resilience/run-switch-load [--callers=20] [--seconds=60] [--warmup=10]
 * [--answer-ms=300] [--talk-ms=1000] [--csm=2] [--switch=2]}.
 */
public final class ChimeSwitchLoad {

    /**
     * Amazon Chime SDK meetings, USD per attendee-minute, list price as published on
     * https://aws.amazon.com/chime/chime-sdk/pricing/ ("Meetings": $0.0017 per attendee-minute).
     * Chime SDK Meetings API requests (CreateMeeting, CreateAttendee, Delete...) are not charged.
     */
    static final double CHIME_MEETINGS_USD_PER_ATTENDEE_MINUTE = 0.0017;

    /** The goal below saturation, p99. */
    static final Duration GOAL_REQUEST_TO_RING = Duration.ofMillis(300);
    static final Duration GOAL_ANSWER_TO_BRIDGE = Duration.ofMillis(200);

    /** How long the driver waits for one step of a call before it gives up on the call. */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

    record Options(int callers, int seconds, int warmup, int answerMs, int talkMs, int csmPollers,
            int switchPollers, boolean verbose) {
        static Options parse(String[] args) {
            Map<String, String> a = new TreeMap<>();
            boolean verbose = false;
            for (String arg : args) {
                if (arg.equals("--verbose")) {
                    verbose = true;
                } else if (arg.startsWith("--") && arg.contains("=")) {
                    a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
                } else {
                    throw new IllegalArgumentException("unknown argument " + arg + " (options are --name=value)");
                }
            }
            Options o = new Options(Integer.parseInt(a.getOrDefault("callers", "20")),
                    Integer.parseInt(a.getOrDefault("seconds", "60")), Integer.parseInt(a.getOrDefault("warmup", "10")),
                    Integer.parseInt(a.getOrDefault("answer-ms", "300")), Integer.parseInt(a.getOrDefault("talk-ms", "1000")),
                    Integer.parseInt(a.getOrDefault("csm", "2")), Integer.parseInt(a.getOrDefault("switch", "2")),
                    verbose);
            if (o.callers() < 1 || o.seconds() < 1 || o.warmup() < 0 || o.answerMs() < 0 || o.talkMs() < 0
                    || o.csmPollers() < 1 || o.switchPollers() < 1) {
                throw new IllegalArgumentException("invalid options: " + o);
            }
            return o;
        }
    }

    /** One caller/callee pair, each on its own connection. */
    record Pair(Device caller, Device callee) {}

    /** What the pairs counted while they ran. */
    static final class Counts {
        final AtomicLong stalled = new AtomicLong();
        final Map<String, Long> stalledAt = new java.util.concurrent.ConcurrentHashMap<>();

        void stalled(String step) {
            stalled.incrementAndGet();
            stalledAt.merge(step, 1L, Long::sum);
        }
    }

    private ChimeSwitchLoad() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Quiet.logs(options.verbose());
        Quiet.runAndExit(out -> run(options, out));
    }

    static int run(Options o, PrintStream out) throws Exception {
        SwitchTracker tracker = new SwitchTracker();
        Map<String, Integer> concurrency = Map.of("CallStateManager", o.csmPollers(), "Switch", o.switchPollers());
        try (ChimeMeetingsStub chime = ChimeMeetingsStub.start();
                LocalSystem system = LocalSystem.start(LocalSystem.Settings.defaults().withChimeMeetings(chime.endpoint()),
                        new LocalSystem.Instrumentation(EmbeddedAws::clients, concurrency, (name, function) -> function,
                                tracker, null, tracker))) {
            out.printf(Locale.ROOT, "Chime SDK Meetings stub at %s; setting up %d caller/callee pairs ...%n",
                    chime.endpoint(), o.callers());
            String run = UUID.randomUUID().toString().substring(0, 8);
            List<Pair> pairs = new ArrayList<>();
            for (int i = 0; i < o.callers(); i++) {
                pairs.add(new Pair(system.simulatedSwitch().connect("caller-" + run + "-" + i, "phone"),
                        system.simulatedSwitch().connect("callee-" + run + "-" + i, "phone")));
            }
            for (Pair pair : pairs) {
                system.awaitLive(pair.caller(), Duration.ofSeconds(120));
                system.awaitLive(pair.callee(), Duration.ofSeconds(120));
            }
            // Apps send a heartbeat every ~30 s; without one a connection is no longer live after 90 s.
            ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "heartbeats");
                t.setDaemon(true);
                return t;
            });
            heartbeats.scheduleAtFixedRate(() -> system.simulatedSwitch().heartbeatAll(), 30, 30, TimeUnit.SECONDS);

            ConcurrentLinkedQueue<SwitchTracker.Trace> placed = new ConcurrentLinkedQueue<>();
            Counts counts = new Counts();
            long start = System.nanoTime();
            long steadyFrom = start + Duration.ofSeconds(o.warmup()).toNanos();
            long end = steadyFrom + Duration.ofSeconds(o.seconds()).toNanos();
            out.printf(Locale.ROOT, "placing calls for %d s (%d s warm-up, %d s measured) ...%n", o.warmup() + o.seconds(),
                    o.warmup(), o.seconds());
            List<Thread> threads = new ArrayList<>();
            long stagger = Math.max(1, Math.min(1000, o.answerMs() + o.talkMs()) / o.callers());
            for (int i = 0; i < pairs.size(); i++) {
                Pair pair = pairs.get(i);
                long delay = i * stagger;
                Thread thread = new Thread(() -> {
                    sleep(delay);
                    while (System.nanoTime() < end) {
                        placeOne(system, tracker, pair, o, placed, counts);
                    }
                }, "pair-" + i);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            long trafficEnd = System.nanoTime();

            // Every call has ended (or was given up on): wait for the switch to delete the last meetings.
            long drainDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!chime.liveMeetings().isEmpty() && System.nanoTime() < drainDeadline) {
                Thread.sleep(200);
            }
            Thread.sleep(1500); // let any straggling release land before the request log is read
            heartbeats.shutdownNow();

            // The verdict, from the calls table.
            Map<String, Integer> notCompleted = new TreeMap<>();
            int completed = 0;
            int completedInWindow = 0;
            int withoutJoins = 0;
            List<Long> requestToRing = new ArrayList<>();
            List<Long> requestToRinging = new ArrayList<>();
            List<Long> answerToBridge = new ArrayList<>();
            List<Long> answerToConnected = new ArrayList<>();
            List<Long> ringingToJoin = new ArrayList<>();
            List<Long> connectedToJoin = new ArrayList<>();
            for (SwitchTracker.Trace t : placed) {
                Optional<Call> stored = system.call(t.callId);
                if (stored.isEmpty() || stored.get().state() != CallState.ENDED
                        || stored.get().endReason() != EndReason.COMPLETED) {
                    notCompleted.merge(stored.map(c -> c.state() == CallState.ENDED ? String.valueOf(c.endReason())
                            : "still " + c.state()).orElse("no record"), 1, Integer::sum);
                    continue;
                }
                completed++;
                if (t.endedNanos >= steadyFrom && t.endedNanos < end) {
                    completedInWindow++;
                }
                long callerJoin = SwitchTracker.Trace.at(t.callerJoin);
                long calleeJoin = SwitchTracker.Trace.at(t.calleeJoin);
                if (callerJoin < 0 || calleeJoin < 0) {
                    withoutJoins++;
                    continue;
                }
                if (t.requestedNanos >= steadyFrom && t.requestedNanos < end) {
                    requestToRing.add(callerJoin - t.requestedNanos);
                    requestToRinging.add(SwitchTracker.Trace.at(t.ringing) - t.requestedNanos);
                    answerToBridge.add(calleeJoin - t.answerSentNanos);
                    answerToConnected.add(SwitchTracker.Trace.at(t.connected) - t.answerSentNanos);
                    ringingToJoin.add(callerJoin - SwitchTracker.Trace.at(t.ringing));
                    connectedToJoin.add(calleeJoin - SwitchTracker.Trace.at(t.connected));
                }
            }
            int notCompletedCount = notCompleted.values().stream().mapToInt(Integer::intValue).sum();

            Map<String, Long> byOperation = chimeRequests(chime.requests());
            Long otherRequests = byOperation.remove("other");
            int liveMeetings = chime.liveMeetings().size();

            out.println();
            out.println("=== Switch latency with Amazon Chime SDK Meetings in the loop ===");
            out.printf(Locale.ROOT, "switch: ChimeSwitchFunction + AWS SDK ChimeSdkMeetingsClient -> local Chime SDK Meetings"
                    + " stub (WireMock)%n");
            out.printf(Locale.ROOT, "%d caller/callee pairs, callee answers %d ms after RINGING, caller hangs up %d ms after"
                    + " CONNECTED; pollers: CallStateManager %d, Switch %d, Switch-meeting-events 1, SessionService 2,"
                    + " timers 1 (batches of 10)%n", o.callers(), o.answerMs(), o.talkMs(), o.csmPollers(),
                    o.switchPollers());
            out.printf(Locale.ROOT, "calls placed %d, COMPLETED %d; traffic %.1f s%n", placed.size(), completed,
                    (trafficEnd - start) / 1e9);
            double callsPerSecond = completedInWindow / (double) o.seconds();
            double bound = o.callers() / ((o.answerMs() + o.talkMs()) / 1000.0);
            out.printf(Locale.ROOT, "completed calls per second (steady %d s window): %.2f (the pairs' scripted %d ms of"
                    + " answer delay + talk allow at most %.1f/s: %.0f %% of that)%n", o.seconds(), callsPerSecond,
                    o.answerMs() + o.talkMs(), bound, 100 * callsPerSecond / bound);
            out.printf(Locale.ROOT, "set-up latency, calls placed in the window (n=%d):%n", requestToRing.size());
            out.printf(Locale.ROOT, "  %-60s %9s %9s %9s %9s%n", "", "p50", "p90", "p99", "max");
            row(out, "request -> ring (caller's join info handed out)", requestToRing);
            row(out, "  of which request -> RINGING stored (call state manager)", requestToRinging);
            row(out, "  of which RINGING stored -> caller's join (switch hop)", ringingToJoin);
            row(out, "answer  -> bridge (callee's join info handed out)", answerToBridge);
            row(out, "  of which answer -> CONNECTED stored (call state manager)", answerToConnected);
            row(out, "  of which CONNECTED stored -> callee's join (switch hop)", connectedToJoin);
            double ringP99 = LoadDriver.percentile(requestToRing, 99);
            double bridgeP99 = LoadDriver.percentile(answerToBridge, 99);
            boolean held = ringP99 <= GOAL_REQUEST_TO_RING.toMillis() && bridgeP99 <= GOAL_ANSWER_TO_BRIDGE.toMillis();
            out.printf(Locale.ROOT, "goal p99 request -> ring <= %d ms and p99 answer -> bridge <= %d ms (below"
                    + " saturation): %s (%.1f ms, %.1f ms)%n", GOAL_REQUEST_TO_RING.toMillis(),
                    GOAL_ANSWER_TO_BRIDGE.toMillis(), held ? "HELD" : "NOT HELD", ringP99, bridgeP99);

            out.println();
            out.printf(Locale.ROOT, "calls not COMPLETED (must be 0): %d%s%n", notCompletedCount,
                    notCompleted.isEmpty() ? "" : " " + notCompleted);
            if (counts.stalled.get() > 0) {
                out.printf(Locale.ROOT, "  the driver gave up waiting (%d s) on %d calls: %s%n", STEP_TIMEOUT.toSeconds(),
                        counts.stalled.get(), new TreeMap<>(counts.stalledAt));
            }
            out.printf(Locale.ROOT, "COMPLETED calls without both parties' join info (must be 0): %d%n", withoutJoins);
            out.printf(Locale.ROOT, "join infos handed out: %d (%d again to a party that had one; %d to a stranger, must be"
                    + " 0)%n", tracker.joins(), tracker.repeatedJoins(), tracker.strangerJoins());
            out.printf(Locale.ROOT, "Chime SDK Meetings requests per placed call (%d calls, whole run):%n", placed.size());
            double n = Math.max(1, placed.size());
            for (Map.Entry<String, Long> e : byOperation.entrySet()) {
                out.printf(Locale.ROOT, "  %-16s %6.3f  (%d)%n", e.getKey(), e.getValue() / n, e.getValue());
            }
            if (otherRequests != null && otherRequests > 0) {
                out.printf(Locale.ROOT, "  %-16s %6.3f  (%d)%n", "other", otherRequests / n, otherRequests);
            }
            out.printf(Locale.ROOT, "meetings left live once every call ended (must be 0): %d%n", liveMeetings);
            stubRoundTrips(out, chime);

            out.println();
            printMediaCost(out);

            boolean ok = notCompletedCount == 0 && withoutJoins == 0 && tracker.strangerJoins() == 0 && liveMeetings == 0
                    && completed > 0;
            out.println();
            out.println(ok ? "verdict: every call COMPLETED with its media set up and torn down"
                    : "verdict: FAILED (a must-be-zero figure is not zero)");
            return ok ? 0 : 1;
        }
    }

    /** One call, played from both apps; returns when it has ended or was given up on. */
    private static void placeOne(LocalSystem system, SwitchTracker tracker, Pair pair, Options o,
            ConcurrentLinkedQueue<SwitchTracker.Trace> placed, Counts counts) {
        String callId = "call-" + UUID.randomUUID().toString().replace("-", "");
        SwitchTracker.Trace t = tracker.begin(callId, pair.caller().userId(), pair.callee().userId());
        placed.add(t);
        t.requestedNanos = System.nanoTime();
        system.publisher().publish(new CallEvent.CallRequested(eventId(), callId, Instant.now(), pair.caller().userId(),
                pair.caller().connectionId(), pair.callee().userId()));
        if (!await(t.ringing, t)) {
            giveUp(system, t, counts, "RINGING");
            return;
        }
        sleep(o.answerMs());
        if (t.ended.isDone()) {
            return;
        }
        t.answerSentNanos = System.nanoTime();
        system.publisher().publish(new CallEvent.CallAnswered(eventId(), callId, Instant.now(), 0, 0,
                pair.callee().connectionId()));
        if (!await(t.connected, t)) {
            giveUp(system, t, counts, "CONNECTED");
            return;
        }
        sleep(o.talkMs());
        if (t.ended.isDone()) {
            return;
        }
        system.publisher().publish(new CallEvent.CallHungUp(eventId(), callId, Instant.now(), 0, 0, Party.CALLER));
        if (!await(t.ended, t)) {
            counts.stalled("ENDED");
        }
    }

    /** Waits for {@code step} or the end of the call; true if the step was reached. */
    private static boolean await(CompletableFuture<?> step, SwitchTracker.Trace t) {
        try {
            CompletableFuture.anyOf(step, t.ended).get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return step.isDone();
    }

    /** The call did not get there: the caller's app hangs up, and the pair moves on. */
    private static void giveUp(LocalSystem system, SwitchTracker.Trace t, Counts counts, String step) {
        if (t.ended.isDone()) {
            return; // it ended otherwise (the verdict counts how)
        }
        counts.stalled(step);
        system.publisher().publish(new CallEvent.CallHungUp(eventId(), t.callId, Instant.now(), 0, 0, Party.CALLER));
        await(t.ended, t);
    }

    /** The stub's request log by Chime SDK Meetings operation (REST paths of its API reference). */
    static Map<String, Long> chimeRequests(List<LoggedRequest> requests) {
        Map<String, Long> byOperation = new LinkedHashMap<>();
        for (String operation : List.of("CreateMeeting", "CreateAttendee", "DeleteAttendee", "DeleteMeeting")) {
            byOperation.put(operation, 0L);
        }
        for (LoggedRequest request : requests) {
            byOperation.merge(operation(request.getMethod().getName(), request.getUrl()), 1L, Long::sum);
        }
        return byOperation;
    }

    static String operation(String method, String url) {
        String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
        if (method.equals("POST") && path.equals("/meetings")) {
            return "CreateMeeting";
        }
        if (method.equals("POST") && path.matches("/meetings/[^/]+/attendees")) {
            return "CreateAttendee";
        }
        if (method.equals("DELETE") && path.matches("/meetings/[^/]+/attendees/[^/]+")) {
            return "DeleteAttendee";
        }
        if (method.equals("DELETE") && path.matches("/meetings/[^/]+")) {
            return "DeleteMeeting";
        }
        return "other";
    }

    /**
     * What the Chime part of a switch hop costs here: the same SDK client the switch uses, one
     * thread, against the same stub after the run, CreateMeeting + CreateAttendee, and DeleteMeeting.
     */
    static void stubRoundTrips(PrintStream out, ChimeMeetingsStub chime) {
        int rounds = 200;
        List<Long> create = new ArrayList<>();
        List<Long> delete = new ArrayList<>();
        try (ChimeSdkMeetingsClient client = ChimeMeetingsClients.create(EmbeddedAws.REGION,
                Optional.of(chime.endpoint()))) {
            for (int i = 0; i < rounds; i++) {
                String id = "probe-" + UUID.randomUUID();
                long t0 = System.nanoTime();
                String meetingId = client.createMeeting(r -> r.clientRequestToken(id).externalMeetingId(id)
                        .mediaRegion(EmbeddedAws.REGION)).meeting().meetingId();
                client.createAttendee(r -> r.meetingId(meetingId).externalUserId("probe|" + id));
                long t1 = System.nanoTime();
                client.deleteMeeting(r -> r.meetingId(meetingId));
                long t2 = System.nanoTime();
                if (i >= rounds / 4) { // the first ones warm the client up
                    create.add(t1 - t0);
                    delete.add(t2 - t1);
                }
            }
        }
        out.printf(Locale.ROOT, "the SDK client against the stub alone, after the run (%d rounds, one thread):"
                + " CreateMeeting + CreateAttendee p50 %.1f ms p99 %.1f ms; DeleteMeeting p50 %.1f ms p99 %.1f ms%n",
                create.size(), LoadDriver.percentile(create, 50), LoadDriver.percentile(create, 99),
                LoadDriver.percentile(delete, 50), LoadDriver.percentile(delete, 99));
    }

    /**
     * Attendee-minutes of one call: both parties' attendees for the talk, and the caller's alone
     * while it rings (its app joins at once to hear ringback; a ringing callee has no attendee).
     */
    static double attendeeMinutes(Duration talk, Duration ringing) {
        return 2 * talk.toMillis() / 60_000.0 + ringing.toMillis() / 60_000.0;
    }

    static void printMediaCost(PrintStream out) {
        Duration talk = Duration.ofMinutes(3);
        Duration ringing = Duration.ofSeconds(20);
        double minutes = attendeeMinutes(talk, ringing);
        double usd = minutes * CHIME_MEETINGS_USD_PER_ATTENDEE_MINUTE;
        out.printf(Locale.ROOT, "media cost at list price (Amazon Chime SDK meetings, $%.4f per attendee-minute;"
                + " the API requests themselves are free):%n", CHIME_MEETINGS_USD_PER_ATTENDEE_MINUTE);
        out.printf(Locale.ROOT, "  a %d-minute call with %d s of ringing: 2 x %d + %.3f x 1 = %.3f attendee-minutes ="
                + " $%.5f per call, $%,.0f per million such calls%n", talk.toMinutes(), ringing.toSeconds(),
                talk.toMinutes(), ringing.toMillis() / 60_000.0, minutes, usd, usd * 1e6);
        out.printf(Locale.ROOT, "  per minute of talk: $%.4f (2 attendees); per second of the caller ringing alone:"
                + " $%.7f%n", 2 * CHIME_MEETINGS_USD_PER_ATTENDEE_MINUTE, CHIME_MEETINGS_USD_PER_ATTENDEE_MINUTE / 60);
    }

    private static void row(PrintStream out, String what, List<Long> nanos) {
        out.printf(Locale.ROOT, "  %-60s %6.1f ms %6.1f ms %6.1f ms %6.1f ms%n", what, LoadDriver.percentile(nanos, 50),
                LoadDriver.percentile(nanos, 90), LoadDriver.percentile(nanos, 99), LoadDriver.percentile(nanos, 100));
    }

    private static String eventId() {
        return UUID.randomUUID().toString();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
