package dev.calling.resilience;

import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.local.LocalSystem;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The load driver: {@code callers} simulated callers place calls through the local stack for a
 * fixed time (callees answer after a short delay and hang up after a short talk), then it prints
 * <ul>
 * <li>completed calls per second in the steady window (after the warm-up);</li>
 * <li>p50 / p99 call set-up latency: request to ring command issued, answer to bridge command
 * issued, and request to bridged (which includes the callee's scripted answer delay), taken when
 * the call state manager has stored the change and issued its commands;</li>
 * <li>AWS requests per completed call, by service, operation and table or queue, counted on the
 * functions' SDK clients over the whole run until every queue is empty (DynamoDB capacity units as
 * dynalite reports them; SQS receives that returned messages; empty long polls, which cost
 * by time not by call, apart), carrier and switch commands, Lambda invocations and their time;</li>
 * <li>the implied AWS cost per million calls at list prices ({@link Prices});</li>
 * <li>the overhead ratio: the call state manager's throughput next to raw dynalite
 * conditional-write throughput, measured in the same JVM right after ({@link RawWrites});</li>
 * <li>for the calls to callees woken by push ({@code --pushed}, a share of the calls: the callee has no
 * live connection and a registered phone, see {@link PushPhones}, which connects as soon as the ring push
 * reaches it and answers once its connection is listed live): p50 / p95 / p99 of push → answer (the ring
 * push delivered at the phone → the call CONNECTED, as stored), split at the woken connection being listed
 * live; and SNS requests per pushed call, all and by action, from the local SNS's request log.</li>
 * </ul>
 * {@code functions/resilience/run-load [--callers=40] [--seconds=60] [--warmup=10] [--pstn=0.0] [--pushed=0.0]}.
 */
public final class LoadDriver {

    /** Lambda memory per function as the CDK app configures it (infra-cdk CallingServiceStack). */
    static final Map<String, Integer> MEMORY_MB = Map.of("CallStateManager", 1024, "CallStateManager-timers", 1024,
            "SessionService", 512);

    record Options(int callers, int seconds, int warmup, double pstnShare, int answerMs, int talkMs, int csmPollers,
            int switchPollers, int rawSeconds, double pushedShare) {
        static Options parse(String[] args) {
            Map<String, String> a = new TreeMap<>();
            for (String arg : args) {
                if (arg.startsWith("--") && arg.contains("=")) {
                    a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
                }
            }
            return new Options(Integer.parseInt(a.getOrDefault("callers", "40")),
                    Integer.parseInt(a.getOrDefault("seconds", "60")), Integer.parseInt(a.getOrDefault("warmup", "10")),
                    Double.parseDouble(a.getOrDefault("pstn", "0")), Integer.parseInt(a.getOrDefault("answer-ms", "300")),
                    Integer.parseInt(a.getOrDefault("talk-ms", "1000")), Integer.parseInt(a.getOrDefault("csm", "2")),
                    Integer.parseInt(a.getOrDefault("switch", "2")), Integer.parseInt(a.getOrDefault("raw-seconds", "15")),
                    Double.parseDouble(a.getOrDefault("pushed", "0")));
        }
    }

    private LoadDriver() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Quiet.logs(List.of(args).contains("--verbose"));
        Quiet.runAndExit(out -> run(options, out));
    }

    static int run(Options o, PrintStream out) throws Exception {
        List<Provider> carriers = List.of(Stack.ukCarrier("atlas-uk", "0.0100", 80),
                Stack.ukCarrier("borealis-uk", "0.0120", 70));
        Traffic.Population population = new Traffic.Population(o.callers(), 0, 0);
        Duration ringTimeout = Duration.ofSeconds(10);
        LocalSystem.Settings settings = LocalSystem.Settings.defaults().withRingTimeout(ringTimeout)
                .withRetryAfter(Duration.ofSeconds(10)).withConnectionTtl(Duration.ofHours(6))
                .withPstn(population.subscribers(), carriers, ProviderHealth.Policy.defaults())
                .withCharging(Stack.perSecondPlan(), Duration.ofMinutes(1));
        Map<String, Integer> concurrency = Map.of("CallStateManager", o.csmPollers(), "SimulatedSwitch", o.switchPollers());
        Map<Scenario, Integer> weights = new EnumMap<>(Scenario.class);
        int pstn = (int) Math.round(o.pstnShare() * 100);
        int pushed = (int) Math.round(o.pushedShare() * 100);
        if (pstn > 0) {
            weights.put(Scenario.PSTN_CALLEE_HANGS_UP, pstn);
        }
        if (pushed > 0) {
            weights.put(Scenario.VOIP_PUSHED_ANSWERED, pushed);
        }
        if (pstn + pushed < 100) {
            weights.put(Scenario.VOIP_CALLEE_HANGS_UP, 100 - pstn - pushed);
        }
        try (Stack stack = new Stack(settings, new Stack.Options(11, false, false, concurrency, Set.of()))) {
            Traffic traffic = new Traffic(stack, population, new Traffic.Timing(Duration.ofMillis(o.answerMs()),
                    Duration.ofMillis(o.talkMs()), Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofSeconds(7)), weights, 11,
                    ringTimeout.plusSeconds(60));
            out.printf(Locale.ROOT, "setting up %d callers ...%n", o.callers());
            traffic.setUp();
            Thread.sleep(2000); // let the set-up's messages drain before counting
            RequestCounter.Snapshot before = stack.counter.snapshot();
            Map<String, FunctionTap.Usage> usageBefore = stack.tap.usage();
            long notificationsBefore = stack.tracker.notifications();

            long start = System.nanoTime();
            long steadyFrom = start + Duration.ofSeconds(o.warmup()).toNanos();
            long end = start + Duration.ofSeconds(o.warmup() + o.seconds()).toNanos();
            out.printf(Locale.ROOT, "placing calls for %d s (%d s warm-up, %d s measured) ...%n", o.warmup() + o.seconds(),
                    o.warmup(), o.seconds());
            Map<String, FunctionTap.Usage>[] steadyUsage = windowUsage(stack, o);
            traffic.run(() -> System.nanoTime() < end);
            long trafficEnd = System.nanoTime();

            // Every call has ended; wait for their timers and every queue to drain, so all their requests are counted.
            Audit queues = new Audit(stack.dynamoDb(), stack.sqs(), stack.system.aws());
            long drainDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while ((queues.queued() > 0 || queues.delayedTimers() > 0) && System.nanoTime() < drainDeadline) {
                Thread.sleep(500);
            }
            Thread.sleep(1500);
            RequestCounter.Snapshot requests = stack.counter.snapshot().minus(before);
            Map<String, FunctionTap.Usage> usage = FunctionTap.between(usageBefore, stack.tap.usage());
            long notifications = stack.tracker.notifications() - notificationsBefore;

            List<Traffic.Placed> placed = traffic.placed();
            int completed = 0;
            int completedInWindow = 0;
            List<Long> ringing = new ArrayList<>();
            List<Long> answerToBridge = new ArrayList<>();
            List<Long> requestToBridge = new ArrayList<>();
            List<Long> pushToAnswer = new ArrayList<>();
            List<Long> pushToLive = new ArrayList<>();
            List<Long> liveToAnswer = new ArrayList<>();
            List<Long> requestToPush = new ArrayList<>();
            long pushedCalls = 0;
            Map<String, Integer> otherEnds = new TreeMap<>();
            for (Traffic.Placed p : placed) {
                CallTracker.Seen seen = stack.tracker.of(p.callId());
                Call call = seen.last();
                if (p.scenario().pushed) {
                    pushedCalls++;
                    Optional<Long> delivered = traffic.pushPhones().ringDelivered(p.callId());
                    Optional<Long> live = traffic.pushPhones().liveAt(p.callId());
                    if (call != null && call.endReason() == EndReason.COMPLETED && delivered.isPresent()
                            && p.requestedNanos() >= steadyFrom && p.requestedNanos() < end) {
                        requestToPush.add(delivered.get() - p.requestedNanos());
                        pushToAnswer.add(seen.connectedNanos() - delivered.get());
                        if (live.isPresent()) {
                            pushToLive.add(live.get() - delivered.get());
                            liveToAnswer.add(seen.connectedNanos() - live.get());
                        }
                    }
                }
                if (call == null || call.endReason() != EndReason.COMPLETED) {
                    otherEnds.merge(call == null ? "not seen" : String.valueOf(call.endReason()), 1, Integer::sum);
                    continue;
                }
                completed++;
                if (seen.endedNanos() >= steadyFrom && seen.endedNanos() < end) {
                    completedInWindow++;
                }
                if (p.requestedNanos() >= steadyFrom && p.requestedNanos() < end) {
                    ringing.add(seen.ringingNanos() - p.requestedNanos());
                    requestToBridge.add(seen.connectedNanos() - p.requestedNanos());
                    Instant bridged = p.requestedAt().plusNanos(seen.connectedNanos() - p.requestedNanos());
                    answerToBridge.add(Duration.between(call.answeredAt(), bridged).toNanos());
                }
            }
            Map<String, FunctionTap.Usage> steady = FunctionTap.between(steadyUsage[0], steadyUsage[1]);

            out.println();
            out.println("=== Load driver ===");
            out.printf(Locale.ROOT, "callers %d, %s, callee answers after %d ms, talk %d ms; pollers: CallStateManager %d,"
                    + " SimulatedSwitch %d, SessionService 2, timers 1 (batches of 10)%n", o.callers(),
                    (pstn == 0 ? "all VoIP" : pstn == 100 ? "all PSTN" : pstn + " % PSTN")
                            + (pushed == 0 ? "" : ", " + pushed + " % to callees woken by push"), o.answerMs(), o.talkMs(),
                    o.csmPollers(), o.switchPollers());
            out.printf(Locale.ROOT, "calls placed %d, completed %d%s; traffic %.1f s%n", placed.size(), completed,
                    otherEnds.isEmpty() ? "" : ", others " + otherEnds, (trafficEnd - start) / 1e9);
            double callsPerSecond = completedInWindow / (double) o.seconds();
            out.printf(Locale.ROOT, "completed calls per second (steady %d s window): %.2f%n", o.seconds(), callsPerSecond);
            out.printf(Locale.ROOT, "set-up latency, calls placed in the window (n=%d):%n", ringing.size());
            out.printf(Locale.ROOT, "  request -> ring command issued       p50 %6.1f ms   p99 %6.1f ms%n",
                    percentile(ringing, 50), percentile(ringing, 99));
            out.printf(Locale.ROOT, "  answer  -> bridge command issued     p50 %6.1f ms   p99 %6.1f ms%n",
                    percentile(answerToBridge, 50), percentile(answerToBridge, 99));
            out.printf(Locale.ROOT, "  request -> bridged (incl. %d ms answer delay + switch hop) p50 %6.1f ms   p99 %6.1f ms%n",
                    o.answerMs(), percentile(requestToBridge, 50), percentile(requestToBridge, 99));

            if (pushed > 0) {
                out.printf(Locale.ROOT, "calls to callees woken by push (%d %% of the calls; callee has no live connection, one"
                        + " registered phone, 2 of 3 iPhones, 1 of 3 Android; the woken app answers as soon as its"
                        + " connection is listed live), completed and placed in the window (n=%d):%n", pushed,
                        pushToAnswer.size());
                out.printf(Locale.ROOT, "  request -> ring push at the phone    p50 %6.1f ms   p95 %6.1f ms   p99 %6.1f ms%n",
                        percentile(requestToPush, 50), percentile(requestToPush, 95), percentile(requestToPush, 99));
                out.printf(Locale.ROOT, "  push -> answer (ring push at the phone -> CONNECTED)"
                        + "   p50 %6.1f ms   p95 %6.1f ms   p99 %6.1f ms%n",
                        percentile(pushToAnswer, 50), percentile(pushToAnswer, 95), percentile(pushToAnswer, 99));
                out.printf(Locale.ROOT, "    of which push -> woken connection listed live"
                        + "        p50 %6.1f ms   p95 %6.1f ms   p99 %6.1f ms%n",
                        percentile(pushToLive, 50), percentile(pushToLive, 95), percentile(pushToLive, 99));
                out.printf(Locale.ROOT, "    and live -> CONNECTED (answer published, handled)"
                        + "     p50 %6.1f ms   p95 %6.1f ms   p99 %6.1f ms%n",
                        percentile(liveToAnswer, 50), percentile(liveToAnswer, 95), percentile(liveToAnswer, 99));
                Map<String, Long> byAction = new TreeMap<>();
                SnsJournal.read(stack.system.sns().endpoint()).forEach(r -> byAction.merge(r.action(), 1L, Long::sum));
                long all = byAction.values().stream().mapToLong(Long::longValue).sum();
                out.printf(Locale.ROOT, "SNS requests per pushed call (%d pushed calls, whole run): %.3f%n", pushedCalls,
                        all / (double) Math.max(1, pushedCalls));
                for (Map.Entry<String, Long> action : byAction.entrySet()) {
                    out.printf(Locale.ROOT, "  %-70s %8.3f%n", action.getKey(),
                            action.getValue() / (double) Math.max(1, pushedCalls));
                }
            }

            Cost cost = Cost.of(requests, usage, completed, notifications, pstn, MEMORY_MB);
            cost.print(out, completed);

            FunctionTap.Usage csm = steady.getOrDefault("CallStateManager", new FunctionTap.Usage(0, 0, 0));
            double eventsPerSecond = csm.records() / (double) o.seconds();
            out.println();
            out.println("=== Overhead ratio ===");
            out.printf(Locale.ROOT, "call state manager (steady window): %.1f call events handled/s (%.1f per call),"
                    + " %.2f completed calls/s, %d pollers%n", eventsPerSecond,
                    csm.records() / Math.max(1.0, completedInWindow), callsPerSecond, o.csmPollers());
            RawWrites.Result raw = RawWrites.measure(stack.dynamoDb(), o.csmPollers(),
                    Duration.ofSeconds(o.rawSeconds()), placed.isEmpty() ? null : placed.get(placed.size() - 1).callId());
            out.printf(Locale.ROOT, "raw dynalite conditional writes, same JVM, %d threads, %d s: %.1f writes/s"
                    + " (PutItem attribute_not_exists then PutItem version = :v, item %d bytes; %d conflicts)%n",
                    raw.threads(), o.rawSeconds(), raw.writesPerSecond(), raw.itemBytes(), raw.conflicts());
            out.printf(Locale.ROOT, "ratio: call events/s / raw conditional writes/s = %.3f (%.1f raw writes per handled event)%n",
                    eventsPerSecond / raw.writesPerSecond(), raw.writesPerSecond() / Math.max(0.001, eventsPerSecond));
            out.printf(Locale.ROOT, "       completed calls/s / raw conditional writes/s = %.4f (%.1f raw writes per call)%n",
                    callsPerSecond / raw.writesPerSecond(), raw.writesPerSecond() / Math.max(0.001, callsPerSecond));
            traffic.close();
            return completed > 0 ? 0 : 1;
        }
    }

    /** Usage snapshots at the start and end of the steady window, filled in by a timer thread. */
    @SuppressWarnings("unchecked")
    private static Map<String, FunctionTap.Usage>[] windowUsage(Stack stack, Options o) {
        Map<String, FunctionTap.Usage>[] marks = new Map[] {Map.of(), Map.of()};
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(Duration.ofSeconds(o.warmup()).toMillis());
                marks[0] = stack.tap.usage();
                Thread.sleep(Duration.ofSeconds(o.seconds()).toMillis());
                marks[1] = stack.tap.usage();
            } catch (InterruptedException ignored) {
                // run over
            }
        }, "window");
        timer.setDaemon(true);
        timer.start();
        return marks;
    }

    static double percentile(List<Long> nanos, int p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1e6;
    }

    /** Requests per call and what they cost. */
    record Cost(Map<String, Double> perCall, Map<String, Double> dollarsPerMillion, List<String> notes) {

        static Cost of(RequestCounter.Snapshot r, Map<String, FunctionTap.Usage> usage, int calls, long notifications,
                int pstnPercent, Map<String, Integer> memory) {
            Map<String, Double> perCall = new java.util.LinkedHashMap<>();
            Map<String, Double> dollars = new java.util.LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            double n = Math.max(1, calls);
            // DynamoDB
            double wru = 0;
            double rru = 0;
            for (Map.Entry<String, Long> e : r.calls().entrySet()) {
                if (e.getKey().startsWith("DynamoDb ")) {
                    perCall.put(e.getKey(), e.getValue() / n);
                }
            }
            for (Map.Entry<String, Double> e : r.capacityUnits().entrySet()) {
                boolean read = e.getKey().contains(" GetItem ") || e.getKey().contains(" Query ")
                        || e.getKey().contains(" BatchGetItem ");
                if (read) {
                    rru += e.getValue();
                } else {
                    wru += e.getValue();
                }
            }
            perCall.put("DynamoDB write request units", wru / n);
            perCall.put("DynamoDB read request units", rru / n);
            dollars.put("DynamoDB writes", wru / n * Prices.DYNAMODB_PER_MILLION_WRU);
            dollars.put("DynamoDB reads", rru / n * Prices.DYNAMODB_PER_MILLION_RRU);
            // SQS
            double fifo = 0;
            double standard = 0;
            for (Map.Entry<String, Long> e : r.calls().entrySet()) {
                String key = e.getKey();
                if (!key.startsWith("Sqs ") || key.startsWith("Sqs ReceiveMessage ")) {
                    continue;
                }
                perCall.put(key, e.getValue() / n);
                if (key.startsWith("Sqs SendMessage ")) {
                    continue; // counted by 64 KB chunks below
                }
                if (key.endsWith(".fifo")) {
                    fifo += e.getValue();
                } else {
                    standard += e.getValue();
                }
            }
            double emptyReceives = 0;
            for (Map.Entry<String, Long> e : r.sqs().entrySet()) {
                String key = e.getKey();
                if (key.endsWith(" 64KB-chunks")) {
                    if (key.contains(".fifo")) {
                        fifo += e.getValue();
                    } else {
                        standard += e.getValue();
                    }
                } else if (key.endsWith(" with messages")) {
                    perCall.put(key.replace(" with messages", " (with messages)"), e.getValue() / n);
                    if (key.contains(".fifo")) {
                        fifo += e.getValue();
                    } else {
                        standard += e.getValue();
                    }
                } else if (key.endsWith(" empty")) {
                    emptyReceives += e.getValue();
                }
            }
            perCall.put("SQS FIFO requests", fifo / n);
            perCall.put("SQS standard requests", standard / n);
            dollars.put("SQS FIFO", fifo / n * Prices.SQS_FIFO_PER_MILLION);
            dollars.put("SQS standard", standard / n * Prices.SQS_STANDARD_PER_MILLION);
            notes.add(String.format(Locale.ROOT, "empty receives (idle long polls, 1 s wait locally, 20 s on Lambda's event"
                    + " source mappings; a cost per poller per hour, not per call): %.0f in this run, not in the per-call cost",
                    emptyReceives));
            // Commands
            long carrierCommands = 0;
            long switchCommands = 0;
            for (Map.Entry<String, Long> e : r.commands().entrySet()) {
                perCall.put("command " + e.getKey(), e.getValue() / n);
                if (Set.of("DialNumber", "BridgeToNumber", "HangUpNumber").contains(e.getKey())) {
                    carrierCommands += e.getValue();
                } else {
                    switchCommands += e.getValue();
                }
            }
            perCall.put("carrier API calls (dial, bridge, hang up)", carrierCommands / n);
            perCall.put("VoIP switch commands (ring, bridge, release)", switchCommands / n);
            // Lambda
            double invocations = 0;
            double gbSeconds = 0;
            for (Map.Entry<String, FunctionTap.Usage> e : usage.entrySet()) {
                Integer mb = memory.get(e.getKey());
                if (mb == null) {
                    continue; // the simulated switch is not a Lambda function
                }
                FunctionTap.Usage u = e.getValue();
                perCall.put("Lambda " + e.getKey() + " invocations", u.invocations() / n);
                perCall.put("Lambda " + e.getKey() + " ms (local)", u.nanos() / 1e6 / n);
                invocations += u.invocations();
                gbSeconds += u.nanos() / 1e9 * mb / 1024.0;
            }
            dollars.put("Lambda requests", invocations / n * Prices.LAMBDA_PER_MILLION_REQUESTS);
            dollars.put("Lambda duration (arm64, local handler time)", gbSeconds / n * Prices.LAMBDA_ARM64_PER_GB_SECOND * 1e6);
            // API Gateway, analytic: the apps' requests and the pushes the call state manager makes.
            double httpRequests = pstnPercent / 100.0 * 2 + (1 - pstnPercent / 100.0) * 3;
            double parties = pstnPercent / 100.0 * 1 + (1 - pstnPercent / 100.0) * 2;
            double pushes = notifications / n * parties;
            perCall.put("API Gateway HTTP API requests (analytic)", httpRequests);
            perCall.put("API Gateway WebSocket messages (pushes, analytic)", pushes);
            dollars.put("API Gateway HTTP API (analytic)", httpRequests * Prices.HTTP_API_PER_MILLION);
            dollars.put("API Gateway WebSocket messages (analytic)", pushes * Prices.WEBSOCKET_PER_MILLION_MESSAGES);
            notes.add("HTTP API per call: place + answer + hang up for VoIP (3), place + hang up for PSTN (2); WebSocket:"
                    + " one push per stored change to each party's app (the callee of a PSTN call has none); connection"
                    + " minutes, heartbeats and the CallApi/Realtime Lambdas are per user-hour, not per call, and are not counted");
            notes.add("not counted: Chime SDK PSTN minutes and carrier per-minute charges (carrier cost, not"
                    + " infrastructure), CloudWatch Logs, data transfer, KMS, the switch fleet; DynamoDB storage");
            notes.add("locally the PSTN carrier commands go through switch-commands.fifo (the simulated switch plays the"
                    + " carriers); in AWS they are HTTPS calls to the carrier, so their SQS requests would not be paid");
            return new Cost(perCall, dollars, notes);
        }

        void print(PrintStream out, int calls) {
            out.println();
            out.printf(Locale.ROOT, "AWS requests per completed call (%d calls; whole run, every queue drained):%n", calls);
            perCall.forEach((k, v) -> {
                if (v != 0) {
                    out.printf(Locale.ROOT, "  %-70s %8.3f%n", k, v);
                }
            });
            out.printf(Locale.ROOT, "implied AWS cost per million calls (%s):%n", Prices.AS_OF);
            double total = 0;
            for (Map.Entry<String, Double> e : dollarsPerMillion.entrySet()) {
                out.printf(Locale.ROOT, "  %-70s $%8.2f%n", e.getKey(), e.getValue());
                total += e.getValue();
            }
            out.printf(Locale.ROOT, "  %-70s $%8.2f%n", "total", total);
            notes.forEach(note -> out.println("  note: " + note));
        }
    }
}
