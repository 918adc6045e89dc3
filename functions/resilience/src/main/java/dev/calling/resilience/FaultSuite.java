package dev.calling.resilience;

import dev.calling.core.call.Call;
import dev.calling.core.call.CallEvent;
import dev.calling.core.call.CallState;
import dev.calling.core.call.Party;
import dev.calling.core.money.Money;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.local.LocalSystem;
import dev.calling.local.SimulatedSwitch;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fault-injection suite: many calls, VoIP and PSTN, charged, from many simulated devices
 * through the local stack on the real emulators, while every kind of fault the design claims to
 * survive is injected at once. Then it stops the faults, lets every call end, reads the tables and
 * queues, and prints the verdict (see {@link Audit}): calls placed, calls ended by reason, double
 * charges, over-billed seconds against the switch's own record, reservations still holding money,
 * stuck calls, lost messages, carriers with calls in progress, call records over 100 KB, calls with more
 * than 1 push of a kind to a device, pushed calls stuck (each must be 0), the pushed calls and their
 * pushes (sent, refused, dead-lettered), poison messages in the dead-letter queues (must equal the poison sent), messages redriven,
 * faults injected per kind, wall time. {@code main} exits non-zero when a must-be-zero figure is not
 * zero.
 *
 * <p>{@code functions/resilience/run-faults [calls] [--callers=N] [--seed=N] [--carrier-api-outages=N] [--hang-up-at-end]}; the
 * build runs a trimmed version ({@code FaultSuiteTest}).
 */
public final class FaultSuite {

    /**
     * @param calls calls to place
     * @param callers concurrent simulated callers (each places its next call when the last has ended)
     * @param duplicateReports share of switch reports sent twice (a carrier's retried callback)
     * @param reorderReports share of switch reports held back behind the call's next report
     * @param batches batch misdelivery rates (each event source)
     * @param dynamoDb DynamoDB throttling and "died after the write" rates
     * @param poisonRounds rounds of poison (each: garbage, an unknown type, invalid values on every queue)
     * @param poisonInCallGroups poison messages put into the message group of a call in progress
     * @param dynamoDbRestarts times the embedded DynamoDB is stopped and started again on the same port, with its data
     * @param sqsOutages times ElasticMQ is taken off the network (connections refused and cut)
     * @param carrierFlip how often one of the three carriers changes behaviour (503s, timeouts, working)
     * @param hangUpConnectedAtEnd have the caller's app hang up the calls still CONNECTED after the
     *     grace period, before the deadline (off by default: such calls are stuck, the verdict fails)
     * @param loseReports share of the carriers' (PSTN calls') reports lost for good
     * @param carrierApiOutages times every carrier's API refuses our requests for {@code carrierApiDown}, longer
     *     than the switch-commands queue retries (its messages are dead-lettered, then redriven after the run)
     * @param carrierClockSkews how far each carrier's clock runs ahead (negative: behind) of ours
     * @param publishFaults share of a pushed callee's tokens that get a burst of 1 to 4 transient SNS failures
     *     (5xx, throttling) on their next Publish requests ({@link SnsFaults})
     * @param snsDown how long SNS refuses every Publish to the tokens of a {@link Scenario#VOIP_PUSH_SNS_DOWN}
     *     callee, longer than the pushes are retried
     */
    public record Config(int calls, int callers, long seed, Duration ringTimeout, Duration retryAfter,
            double duplicateReports, double reorderReports, FunctionTap.Rates batches, DynamoDbFaults.Rates dynamoDb,
            int poisonRounds, int poisonInCallGroups, int dynamoDbRestarts, int sqsOutages, Duration dynamoDbDown,
            Duration sqsDown, Duration carrierFlip, boolean hangUpConnectedAtEnd, double loseReports,
            int carrierApiOutages, Duration carrierApiDown, Map<String, Duration> carrierClockSkews,
            double publishFaults, Duration snsDown) {

        /** The full suite's fault mix for {@code calls} calls. */
        public static Config of(int calls, int callers, long seed) {
            int outages = Math.max(1, calls / 2500);
            return new Config(calls, callers, seed, Duration.ofSeconds(5), Duration.ofSeconds(2),
                    0.05, 0.05, new FunctionTap.Rates(0.01, 0.01, 0.01),
                    new DynamoDbFaults.Rates(0.02, 0.002, 0.01, 0.02),
                    Math.max(2, calls / 500), Math.max(1, calls / 1000), outages, outages,
                    Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(4), false,
                    0.02, Math.max(1, calls / 5000), Duration.ofSeconds(16),
                    Map.of("atlas-uk", Duration.ofSeconds(3), "borealis-uk", Duration.ofSeconds(-20)),
                    0.3, Duration.ofSeconds(30));
        }

        /** This run, with the callee's devices ringing for {@code ringTimeout} before a call is missed. */
        public Config withRingTimeout(Duration timeout) {
            return new Config(calls, callers, seed, timeout, retryAfter, duplicateReports, reorderReports, batches,
                    dynamoDb, poisonRounds, poisonInCallGroups, dynamoDbRestarts, sqsOutages, dynamoDbDown, sqsDown,
                    carrierFlip, hangUpConnectedAtEnd, loseReports, carrierApiOutages, carrierApiDown, carrierClockSkews,
                    publishFaults, snsDown);
        }

        /** This run, with the carrier APIs down {@code outages} times. */
        public Config withCarrierApiOutages(int outages) {
            return new Config(calls, callers, seed, ringTimeout, retryAfter, duplicateReports, reorderReports, batches,
                    dynamoDb, poisonRounds, poisonInCallGroups, dynamoDbRestarts, sqsOutages, dynamoDbDown, sqsDown,
                    carrierFlip, hangUpConnectedAtEnd, loseReports, outages, carrierApiDown, carrierClockSkews,
                    publishFaults, snsDown);
        }

        /** This run, with the calls still connected at the end hung up by their callers (or not). */
        public Config withHangUpConnectedAtEnd(boolean hangUp) {
            return new Config(calls, callers, seed, ringTimeout, retryAfter, duplicateReports, reorderReports, batches,
                    dynamoDb, poisonRounds, poisonInCallGroups, dynamoDbRestarts, sqsOutages, dynamoDbDown, sqsDown,
                    carrierFlip, hangUp, loseReports, carrierApiOutages, carrierApiDown, carrierClockSkews,
                    publishFaults, snsDown);
        }
    }

    /**
     * The verdict.
     *
     * @param mustBeZero every figure that must be 0, by printed name ({@link Audit#mustBeZero})
     * @param overBilledSeconds billed seconds above the switch's talk time, on {@code overBilledCalls} of the
     *     {@code billedCallsChecked} charged calls that billed any second
     * @param reservedAtEnd per open reservation ("user callId"), the micros (USD) still reserved at the end
     * @param stuckByState the stuck calls by the state they were left in
     * @param forcedHangUps calls still connected that were hung up for the verdict (only with
     *     {@link Config#hangUpConnectedAtEnd}), or -1 when that is off
     * @param carrierActiveCalls per carrier, its stored calls in progress at the end
     * @param oversizedRecords per call record over 100 KB, its size in bytes
     * @param redriven messages the run's redrive step moved out of the dead-letter queues
     */
    public record Report(int placed, Map<String, Long> endedByReason, Map<String, Long> unexpectedEnds,
            long doubleCharges, Map<String, Long> doubleChargeDetail, long stuck, long lostMessages,
            Map<String, Long> lostDetail, Map<String, Long> poisonExpected, Map<String, Long> poisonFound,
            long ghostCallsCreated, Map<String, Long> faultsInjected, long forcedHangUps, long queuedAtEnd,
            Duration trafficTime, Duration wallTime, List<String> examples, Map<String, Long> mustBeZero,
            long overBilledSeconds, long overBilledCalls, long billedCallsChecked, Map<String, Long> reservedAtEnd,
            Map<String, Long> stuckByState, Map<String, Long> carrierActiveCalls, Map<String, Long> oversizedRecords, long recordsMeasured,
            long largestRecordBytes, long redriven, Push push) {

        /**
         * The pushed calls: placed calls that woke a device by push, answered, stuck (must be 0), meant to be
         * pushed but not; the pushes SNS accepted (by kind) and refused (by status and code); push commands
         * dead-lettered for an SNS outage (by kind); calls with more than 1 push of a kind to a device (must be
         * 0), with the surplus; SNS requests by action; what the phones did.
         */
        public record Push(long pushedCalls, long answered, long stuck, long notPushed, Map<String, Long> accepted,
                Map<String, Long> refused, Map<String, Long> deadLettered, Map<String, Long> callsPushedTwice,
                Map<String, Long> snsRequests, Map<String, Long> phones) {

            void print(PrintStream out) {
                long publishes = snsRequests.getOrDefault("Publish", 0L);
                long refusedTotal = refused.values().stream().mapToLong(Long::longValue).sum();
                out.printf(Locale.ROOT, "pushed calls                 %d  (answered by the woken app %d; meant to be pushed"
                        + " but not %d)%n", pushedCalls, answered, notPushed);
                out.printf(Locale.ROOT, "pushed calls stuck (must be 0)  %d%n", stuck);
                out.printf(Locale.ROOT, "calls with more than 1 push of a kind to a device (must be 0)  %d%s%n",
                        callsPushedTwice.size(), callsPushedTwice.isEmpty() ? "" : "  " + first(callsPushedTwice, 10,
                                n -> n + " extra"));
                out.printf(Locale.ROOT, "pushes sent (SNS accepted)   %d  %s%n",
                        accepted.values().stream().mapToLong(Long::longValue).sum(), accepted);
                out.printf(Locale.ROOT, "Publish requests refused     %d of %d (%.1f %%)  %s%n", refusedTotal, publishes,
                        100.0 * refusedTotal / Math.max(1, publishes), refused);
                out.printf(Locale.ROOT, "push commands dead-lettered (SNS down past the retry window)  %d  %s%n",
                        deadLettered.values().stream().mapToLong(Long::longValue).sum(), deadLettered);
                out.printf(Locale.ROOT, "SNS requests by action       %s%n", snsRequests);
                out.printf(Locale.ROOT, "push phones                  %s%n", new TreeMap<>(phones));
            }
        }

        public long poisonMissing() {
            long missing = 0;
            for (Map.Entry<String, Long> e : poisonExpected.entrySet()) {
                missing += Math.abs(e.getValue() - poisonFound.getOrDefault(e.getKey(), 0L));
            }
            return missing;
        }

        /** Every must-be-zero figure is zero, and every poison message is where it should be. */
        public boolean ok() {
            return mustBeZero.values().stream().allMatch(v -> v == 0) && poisonMissing() == 0;
        }

        public long reservedAtEndMicros() {
            return reservedAtEnd.values().stream().mapToLong(Long::longValue).sum();
        }

        public void print(PrintStream out) {
            out.println();
            out.println("=== Fault-injection suite ===");
            out.printf(Locale.ROOT, "calls placed                 %d%n", placed);
            out.printf(Locale.ROOT, "calls ended, by reason       %s%n", endedByReason);
            out.printf(Locale.ROOT, "  ended other than scripted  %s%n", unexpectedEnds.isEmpty() ? "none" : unexpectedEnds);
            out.printf(Locale.ROOT, "double charges (must be 0)   %d  %s%n", doubleCharges, doubleChargeDetail);
            out.printf(Locale.ROOT, "over-billed seconds (must be 0)  %d s on %d calls  (of %d billed calls checked against"
                    + " the switch's own talk time, rounded up to the billing increment, one increment of tolerance)%n",
                    overBilledSeconds, overBilledCalls, billedCallsChecked);
            out.printf(Locale.ROOT, "reservations still holding money at the end (must be 0)  %d, %s%s%n",
                    reservedAtEnd.size(), new Money(reservedAtEndMicros(), Audit.USD),
                    reservedAtEnd.isEmpty() ? "" : "  " + first(reservedAtEnd, 10, micros -> new Money(micros, Audit.USD)));
            out.printf(Locale.ROOT, "stuck calls (must be 0)      %d  (not ENDED by the deadline after the faults stopped%s;"
                    + " %s)%n", stuck, stuckByState.isEmpty() ? "" : ", by state " + stuckByState,
                    forcedHangUps < 0 ? "none hung up for the verdict"
                            : forcedHangUps + " still connected were hung up by their caller before the deadline");
            out.printf(Locale.ROOT, "lost messages (must be 0)    %d  %s%n", lostMessages, lostDetail);
            out.printf(Locale.ROOT, "calls made by messages for unknown calls (must be 0)  %d%n", ghostCallsCreated);
            out.printf(Locale.ROOT, "carrier calls in progress at the end (must be 0 each)  %s%n", carrierActiveCalls);
            out.printf(Locale.ROOT, "call records over 100 KB (must be 0)  %d  (%d records sized the DynamoDB way, largest"
                    + " %d bytes)%s%n", oversizedRecords.size(), recordsMeasured, largestRecordBytes,
                    oversizedRecords.isEmpty() ? "" : "  " + first(oversizedRecords, 10, bytes -> bytes + " bytes"));
            out.printf(Locale.ROOT, "poison in DLQs               found %s%n", poisonFound);
            out.printf(Locale.ROOT, "                             sent  %s%s%n", poisonExpected,
                    poisonMissing() == 0 ? "  (all there)" : "  MISMATCH " + poisonMissing());
            push.print(out);
            out.printf(Locale.ROOT, "messages redriven from DLQs  %d%n", redriven);
            out.printf(Locale.ROOT, "messages left on the queues  %d%n", queuedAtEnd);
            out.println("faults injected:");
            faultsInjected.forEach((k, v) -> out.printf(Locale.ROOT, "  %-62s %d%n", k, v));
            out.printf(Locale.ROOT, "traffic time %.1f s (%.1f calls/s), wall time %.1f s%n", trafficTime.toMillis() / 1000.0,
                    placed / Math.max(0.001, trafficTime.toMillis() / 1000.0), wallTime.toMillis() / 1000.0);
            if (!examples.isEmpty()) {
                out.println("examples:");
                examples.forEach(e -> out.println("  " + e));
            }
            if (!ok()) {
                List<String> failed = new ArrayList<>();
                mustBeZero.forEach((k, v) -> {
                    if (v != 0) {
                        failed.add(k + " " + v);
                    }
                });
                if (poisonMissing() != 0) {
                    failed.add("poison not where it should be " + poisonMissing());
                }
                out.println("failed on: " + String.join(", ", failed));
            }
            out.println(ok() ? "VERDICT: OK" : "VERDICT: FAILED");
        }

        private static String first(Map<String, Long> entries, int n, Function<Long, Object> shown) {
            return entries.entrySet().stream().limit(n).map(e -> e.getKey() + "=" + shown.apply(e.getValue()))
                    .collect(Collectors.joining(", ", "{", entries.size() > n ? ", ...}" : "}"));
        }
    }

    private FaultSuite() {}

    public static Report run(Config config, PrintStream log) throws Exception {
        long wallStart = System.nanoTime();
        LocalDate firstDay = LocalDate.now(ZoneOffset.UTC);
        List<Provider> carriers = List.of(Stack.ukCarrier("atlas-uk", "0.0100", 80),
                Stack.ukCarrier("borealis-uk", "0.0120", 70), Stack.ukCarrier("cobalt-uk", "0.0150", 60));
        int cutOffCalls = (int) Math.ceil(config.calls() * 0.02 * 1.5) + 2;
        Traffic.Population population = new Traffic.Population(config.callers(), cutOffCalls,
                Math.max(2, config.callers() / 8));
        LocalSystem.Settings settings = LocalSystem.Settings.defaults().withRingTimeout(config.ringTimeout())
                .withRetryAfter(config.retryAfter()).withConnectionTtl(Duration.ofHours(6))
                .withPstn(population.subscribers(), carriers, ProviderHealth.Policy.defaults())
                .withCharging(Stack.perSecondPlan(), Duration.ofMinutes(2))
                .withWatchdog(Duration.ofSeconds(2), Duration.ofSeconds(3));
        Map<String, Integer> concurrency = Map.of("CallStateManager", 3, "SimulatedSwitch", 2, "PushSender", 2);
        try (Stack stack = new Stack(settings, new Stack.Options(config.seed(), true, true, concurrency, Stack.ALL_SOURCES))) {
            LocalSystem system = stack.system;
            SimulatedSwitch sw = system.simulatedSwitch();
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(4, r -> {
                Thread t = new Thread(r, "fault-suite");
                t.setDaemon(true);
                return t;
            });
            ReportChaos chaos = new ReportChaos(config.seed() * 31 + 3, stack.faults, stack.sqs(),
                    system.aws().queueUrl(dev.calling.adapters.Resources.CALL_STATE_CHANGES), scheduler);
            stack.routeSwitchReports(chaos); // the tracker keeps the switch's record in front of the chaos
            config.carrierClockSkews().forEach(sw::carrierClock);
            sw.retryPublishing(Duration.ofMinutes(2));
            Poison poison = new Poison(stack.sqs(), system.aws(), stack.faults);
            Traffic traffic = new Traffic(stack, population,
                    new Traffic.Timing(Duration.ofMillis(300), Duration.ofMillis(1200), Duration.ofMillis(400),
                            Duration.ofMillis(800), config.ringTimeout().plusSeconds(2)),
                    weights(), config.seed(), config.ringTimeout().plusSeconds(90));
            log.printf(Locale.ROOT, "setting up %d callers and their callees ...%n", config.callers());
            traffic.setUp();
            traffic.snsDown(config.snsDown());

            // Faults on.
            traffic.snsFaults().share(config.publishFaults());
            chaos.rates(config.duplicateReports(), config.reorderReports(), Duration.ofMillis(800));
            chaos.losing(config.loseReports(), traffic::isPstn);
            stack.tap.rates(config.batches());
            stack.dynamoDbFaults.rates(config.dynamoDb());
            AtomicInteger claimed = new AtomicInteger();
            Conductor conductor = new Conductor(config, stack, traffic, poison, sw, claimed, log);
            Thread conductorThread = new Thread(conductor, "conductor");
            conductorThread.setDaemon(true);
            log.printf(Locale.ROOT, "placing %d calls with faults on ...%n", config.calls());
            long trafficStart = System.nanoTime();
            conductorThread.start();
            traffic.run(() -> claimed.getAndIncrement() < config.calls());
            Duration trafficTime = Duration.ofNanos(System.nanoTime() - trafficStart);
            conductor.stop();
            conductorThread.join();

            // Faults off: let everything settle.
            chaos.rates(0, 0, Duration.ofMillis(800));
            chaos.losing(0, traffic::isPstn);
            sw.carrierApiDown(false);
            stack.tap.rates(FunctionTap.Rates.none());
            stack.dynamoDbFaults.rates(DynamoDbFaults.Rates.none());
            traffic.snsFaults().share(0);
            carriers.forEach(c -> sw.carrier(c.id(), new SimulatedSwitch.CarrierBehaviour.Works()));
            List<Traffic.Placed> placed = traffic.placed();
            log.printf(Locale.ROOT, "faults off after %.1f s; waiting for every call to end ...%n",
                    trafficTime.toMillis() / 1000.0);
            long forced = settle(stack, placed, config, log);

            // After the fix (the carrier API is back): what the outages dead-lettered goes back, in group order.
            long redriven = redrive(stack, log);
            // The scheduled CallSweeper's run (every 5 minutes in AWS): overdue calls checked, carriers' calls in
            // progress recounted (a start or end report lost with a function that died after its write).
            var swept = system.sweep();
            log.println(swept);
            swept.carrierCorrections().forEach((carrier, off) -> stack.faults.add(
                    "carrier calls-in-progress counts corrected by the sweeper (" + carrier + ")", Math.abs(off)));
            Audit audit = new Audit(stack.dynamoDb(), stack.sqs(), system.aws());
            audit.redriven(redriven);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (audit.deadLettered() < poison.totalPoison() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            // Quiet means nothing queued for 5 s in a row: a redriven command's answer (a carrier's word that revises
            // a bill) is briefly in no queue between the switch taking the command and publishing the answer.
            long quiet = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            int quietReadings = 0;
            while (quietReadings < 10 && System.nanoTime() < quiet) {
                quietReadings = audit.queued() > 0 ? 0 : quietReadings + 1;
                Thread.sleep(500);
            }
            long queuedAtEnd = audit.queued();
            log.println("auditing the tables and queues ...");
            List<String> payers = new ArrayList<>(population.payers());
            payers.addAll(population.cutOffs());
            payers.addAll(population.brokes());
            audit.calls(placed, payers, firstDay, stack.tracker);
            audit.ghosts(poison.unknownCallIds());
            audit.snsOutages(traffic.snsDownCalls());
            audit.deadLetters(poison.poisonedCalls());
            audit.pushes(SnsJournal.read(system.sns().endpoint()), system.sns()::tokenOf);
            audit.carriers(carriers.stream().map(Provider::id).toList());
            audit.recordSizes();

            Map<String, Long> faults = new TreeMap<>(stack.faults.snapshot());
            faults.putAll(audit.carrierFailures);
            RequestCounter.Snapshot requests = stack.counter.snapshot();
            requests.failures().forEach((k, v) -> {
                if (k.endsWith("ConditionalCheckFailed")) {
                    faults.put("conditional check failed (lost a race): " + k.replace(" ConditionalCheckFailed", ""), v);
                }
            });
            Map<String, Long> phones = new TreeMap<>(traffic.pushPhones().counts());
            phones.putAll(ringDelivery(placed, traffic.pushPhones(), config.ringTimeout()));
            traffic.close();
            scheduler.shutdownNow();
            return report(audit, placed.size(), poison.expectedInDlq(), faults, forced, queuedAtEnd, trafficTime,
                    Duration.ofNanos(System.nanoTime() - wallStart), phones);
        }
    }

    /**
     * Moves what the carrier API outages dead-lettered on {@code switch-commands.fifo} back, in group order
     * (the DLQ redrive tool's code); poison that was there goes back too and is dead-lettered again.
     */
    static long redrive(Stack stack, PrintStream log) {
        var redrive = new dev.calling.redrive.DeadLetterRedrive(stack.sqs(), "", java.time.Clock.systemUTC());
        var report = redrive.redrive(dev.calling.adapters.Resources.SWITCH_COMMANDS,
                dev.calling.redrive.DeadLetterRedrive.Options.defaults());
        log.printf(Locale.ROOT, "redrove %d message(s) from %s (%s)%n", report.moved(), report.deadLetterQueue(),
                report.stop());
        return report.moved();
    }

    /** The verdict of a run from its audit and what the run itself counted. */
    static Report report(Audit audit, int placed, Map<String, Long> poisonExpected, Map<String, Long> faults, long forced,
            long queuedAtEnd, Duration trafficTime, Duration wallTime, Map<String, Long> phones) {
        Map<String, Long> ended = new TreeMap<>();
        audit.endedByReason.forEach((k, v) -> ended.put(k.name(), v));
        Map<String, Long> stuckByState = new TreeMap<>();
        audit.stuckByState.forEach((k, v) -> stuckByState.put(k.name(), v));
        return new Report(placed, ended, audit.unexpectedEnds, audit.doubleChargeTotal(), audit.doubleCharges,
                audit.stuck, audit.lostTotal(), audit.lost, poisonExpected, audit.poisonFound, audit.ghostCallsCreated,
                faults, forced, queuedAtEnd, trafficTime, wallTime, audit.examples, audit.mustBeZero(),
                audit.overBilledSeconds, audit.overBilledCalls, audit.billedCallsChecked, audit.reservedAtEnd, stuckByState,
                audit.carrierActiveCalls, audit.oversizedRecords, audit.recordsMeasured, audit.largestRecordBytes,
                audit.redriven, new Report.Push(audit.pushedCalls, audit.pushedAnswered, audit.pushedStuck,
                        audit.pushedScenarioNotPushed, audit.pushesAccepted, audit.publishRefused, audit.pushesDeadLettered,
                        audit.callsPushedTwice, audit.snsRequests, phones));
    }

    /**
     * How soon the ring push reached the phone of the pushed calls whose SNS was not down (request → delivered,
     * p50 / p99 / max in ms), and how many rings never reached it or reached it after the ring timeout.
     */
    static Map<String, Long> ringDelivery(List<Traffic.Placed> placed, PushPhones phones, Duration ringTimeout) {
        List<Long> millis = new ArrayList<>();
        long never = 0;
        for (Traffic.Placed p : placed) {
            if (!p.scenario().pushed || p.scenario() == Scenario.VOIP_PUSH_SNS_DOWN) {
                continue;
            }
            var delivered = phones.ringDelivered(p.callId());
            if (delivered.isEmpty()) {
                never++;
            } else {
                millis.add(Duration.ofNanos(delivered.get() - p.requestedNanos()).toMillis());
            }
        }
        Map<String, Long> figures = new TreeMap<>();
        java.util.Collections.sort(millis);
        if (!millis.isEmpty()) {
            figures.put("request -> ring push at the phone p50 ms", millis.get((millis.size() - 1) / 2));
            figures.put("request -> ring push at the phone p99 ms",
                    millis.get(Math.max(0, (int) Math.ceil(0.99 * millis.size()) - 1)));
            figures.put("request -> ring push at the phone max ms", millis.get(millis.size() - 1));
        }
        figures.put("rings at the phone after the ring timeout", millis.stream()
                .filter(ms -> ms >= ringTimeout.toMillis()).count());
        figures.put("pushed calls (SNS up) whose ring never reached the phone", never);
        return figures;
    }

    /**
     * Waits for every placed call to end (by the table), up to a deadline: the longest scripted call
     * could have ended by the grace period, then 60 s more. Calls not ended by then are stuck. Only
     * with {@link Config#hangUpConnectedAtEnd} are the calls still connected after the grace period
     * hung up by their caller's app (as a user would) before waiting again; returns how many, or -1
     * when that is off.
     */
    static long settle(Stack stack, List<Traffic.Placed> placed, Config config, PrintStream log) throws InterruptedException {
        Map<String, Boolean> open = new HashMap<>();
        placed.forEach(p -> open.put(p.callId(), true));
        long graceEnd = System.nanoTime() + config.ringTimeout().plusSeconds(45).toNanos();
        while (!open.isEmpty() && System.nanoTime() < graceEnd) {
            open.keySet().removeIf(id -> stack.tracker.of(id).ended().isDone());
            Thread.sleep(500);
        }
        open.keySet().removeIf(id -> stack.system.call(id).map(Call::isTerminal).orElse(false));
        long forced = config.hangUpConnectedAtEnd() ? 0 : -1;
        if (config.hangUpConnectedAtEnd()) {
            for (String id : open.keySet()) {
                Call call = stack.system.call(id).orElse(null);
                if (call != null && call.state() == CallState.CONNECTED) {
                    stack.system.publisher().publish(new CallEvent.CallHungUp("final-hangup-" + UUID.randomUUID(), id,
                            Instant.now(), 0, 0, Party.CALLER));
                    forced++;
                }
            }
        }
        if (!open.isEmpty()) {
            log.printf(Locale.ROOT, "%d calls not ended yet (%s); waiting up to 60 s%n", open.size(),
                    forced < 0 ? "none hung up for them" : forced + " connected, hung up now");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            open.keySet().removeIf(id -> stack.system.call(id).map(Call::isTerminal).orElse(false));
            Thread.sleep(500);
        }
        return forced;
    }

    /**
     * The scenario mix: every way a call ends; of 111, 11 reach the callee by push alone (answered by the woken
     * app, missed, cancelled, SNS down for the callee's tokens), 51 other VoIP, 49 PSTN.
     */
    static Map<Scenario, Integer> weights() {
        Map<Scenario, Integer> w = new EnumMap<>(Scenario.class);
        w.put(Scenario.VOIP_CALLER_HANGS_UP, 18);
        w.put(Scenario.VOIP_CALLEE_HANGS_UP, 14);
        w.put(Scenario.VOIP_DECLINED, 6);
        w.put(Scenario.VOIP_MISSED, 3);
        w.put(Scenario.VOIP_CANCELLED, 6);
        w.put(Scenario.VOIP_BUSY, 4);
        w.put(Scenario.VOIP_OFFLINE, 4);
        w.put(Scenario.VOIP_CALLEE_VANISHES, 2);
        w.put(Scenario.VOIP_PUSHED_ANSWERED, 6);
        w.put(Scenario.VOIP_PUSHED_MISSED, 2);
        w.put(Scenario.VOIP_PUSHED_CANCELLED, 2);
        w.put(Scenario.VOIP_PUSH_SNS_DOWN, 1);
        w.put(Scenario.PSTN_CALLER_HANGS_UP, 14);
        w.put(Scenario.PSTN_CALLEE_HANGS_UP, 13);
        w.put(Scenario.PSTN_TALKS_PAST_RING_TIMEOUT, 2);
        w.put(Scenario.PSTN_BUSY, 4);
        w.put(Scenario.PSTN_DECLINED, 4);
        w.put(Scenario.PSTN_MISSED, 2);
        w.put(Scenario.PSTN_CUT_OFF, 2);
        w.put(Scenario.PSTN_NO_FUNDS, 3);
        w.put(Scenario.PSTN_INVALID_NUMBER, 3);
        return w;
    }

    /**
     * Runs the timed faults while the calls are placed: one carrier changes behaviour every few
     * seconds; poison rounds, poison in live calls' groups and the emulator outages happen at
     * evenly spread points of the run (by calls placed).
     */
    static final class Conductor implements Runnable {
        private final Config config;
        private final Stack stack;
        private final Traffic traffic;
        private final Poison poison;
        private final SimulatedSwitch sw;
        private final AtomicInteger claimed;
        private final PrintStream log;
        private final SplittableRandom random;
        private volatile boolean running = true;
        private final List<Map.Entry<Double, Runnable>> plan = new ArrayList<>();

        Conductor(Config config, Stack stack, Traffic traffic, Poison poison, SimulatedSwitch sw, AtomicInteger claimed,
                PrintStream log) {
            this.config = config;
            this.stack = stack;
            this.traffic = traffic;
            this.poison = poison;
            this.sw = sw;
            this.claimed = claimed;
            this.log = log;
            this.random = new SplittableRandom(config.seed() * 31 + 4);
            for (int i = 0; i < config.poisonRounds(); i++) {
                plan.add(Map.entry((i + 0.5) / config.poisonRounds() * 0.9, poison::round));
            }
            for (int i = 0; i < config.poisonInCallGroups(); i++) {
                plan.add(Map.entry((i + 0.7) / config.poisonInCallGroups() * 0.9, this::poisonALiveCall));
            }
            int outages = config.dynamoDbRestarts() + config.sqsOutages();
            int dynamo = 0;
            int sqs = 0;
            for (int i = 0; i < outages; i++) {
                double at = (i + 1.0) / (outages + 1);
                if ((i % 2 == 0 && dynamo < config.dynamoDbRestarts()) || sqs >= config.sqsOutages()) {
                    dynamo++;
                    plan.add(Map.entry(at, this::restartDynamoDb));
                } else {
                    sqs++;
                    plan.add(Map.entry(at, this::sqsOutage));
                }
            }
            for (int i = 0; i < config.carrierApiOutages(); i++) {
                plan.add(Map.entry((i + 0.4) / config.carrierApiOutages() * 0.8, this::carrierApiOutage));
            }
            plan.sort(Map.Entry.comparingByKey());
        }

        /** Every carrier's API refuses requests for longer than the switch-commands queue retries. */
        private void carrierApiOutage() {
            log.printf(Locale.ROOT, "  carrier API down for %d s ...%n", config.carrierApiDown().toSeconds());
            sw.carrierApiDown(true);
            stack.faults.add("carrier API down past the retry window (commands dead-lettered, redriven after)");
            Thread up = new Thread(() -> {
                try {
                    Thread.sleep(config.carrierApiDown().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sw.carrierApiDown(false);
            }, "carrier-api-outage");
            up.setDaemon(true);
            up.start();
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            long nextFlip = System.nanoTime();
            long nextProgress = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            int next = 0;
            String faulty = null;
            List<String> carriers = List.of("atlas-uk", "borealis-uk", "cobalt-uk");
            while (running) {
                double progress = Math.min(1.0, claimed.get() / (double) config.calls());
                while (next < plan.size() && plan.get(next).getKey() <= progress) {
                    try {
                        plan.get(next).getValue().run();
                    } catch (RuntimeException e) {
                        log.println("conductor: " + e);
                    }
                    next++;
                }
                if (System.nanoTime() >= nextFlip) {
                    if (faulty != null) {
                        sw.carrier(faulty, new SimulatedSwitch.CarrierBehaviour.Works());
                        faulty = null;
                    }
                    double roll = random.nextDouble();
                    if (roll < 0.8) {
                        faulty = carriers.get(random.nextInt(carriers.size()));
                        boolean timesOut = roll >= 0.5;
                        sw.carrier(faulty, timesOut
                                ? new SimulatedSwitch.CarrierBehaviour.FailsWith(0, Duration.ofMillis(1500))
                                : new SimulatedSwitch.CarrierBehaviour.FailsWith(503, Duration.ofMillis(150)));
                        stack.faults.add(timesOut ? "carrier outages (dials time out)" : "carrier outages (dials answered 503)");
                    }
                    nextFlip = System.nanoTime() + config.carrierFlip().toNanos();
                }
                if (System.nanoTime() >= nextProgress) {
                    long ended = traffic.placed().stream().filter(p -> stack.tracker.of(p.callId()).ended().isDone()).count();
                    log.printf(Locale.ROOT, "  %d calls placed, %d ended%n", Math.min(claimed.get(), config.calls()), ended);
                    nextProgress = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (faulty != null) {
                sw.carrier(faulty, new SimulatedSwitch.CarrierBehaviour.Works());
            }
        }

        private void poisonALiveCall() {
            List<Traffic.Placed> placed = traffic.placed();
            for (int i = placed.size() - 1; i >= Math.max(0, placed.size() - 50); i--) {
                String id = placed.get(i).callId();
                if (!stack.tracker.of(id).ended().isDone()) {
                    poison.intoCallGroup(id);
                    return;
                }
            }
        }

        private void restartDynamoDb() {
            log.printf(Locale.ROOT, "  restarting DynamoDB (down %d ms) ...%n", config.dynamoDbDown().toMillis());
            stack.system.aws().restartDynamoDb(config.dynamoDbDown());
            stack.faults.add("DynamoDB restarts (same port, same data)");
        }

        private void sqsOutage() {
            log.printf(Locale.ROOT, "  taking ElasticMQ off the network (%d ms) ...%n", config.sqsDown().toMillis());
            stack.sqsOutage(config.sqsDown());
            stack.faults.add("SQS outages (ElasticMQ unreachable)");
        }
    }

    public static void main(String[] args) throws Exception {
        int calls = 10_000;
        int callers = 40;
        long seed = 7;
        boolean hangUpAtEnd = false;
        int carrierApiOutages = -1;
        for (String arg : args) {
            if (arg.startsWith("--callers=")) {
                callers = Integer.parseInt(arg.substring("--callers=".length()));
            } else if (arg.startsWith("--seed=")) {
                seed = Long.parseLong(arg.substring("--seed=".length()));
            } else if (arg.startsWith("--carrier-api-outages=")) {
                carrierApiOutages = Integer.parseInt(arg.substring("--carrier-api-outages=".length()));
            } else if (arg.equals("--hang-up-at-end")) {
                hangUpAtEnd = true;
            } else if (!arg.startsWith("--")) {
                calls = Integer.parseInt(arg);
            }
        }
        Quiet.logs(List.of(args).contains("--verbose"));
        System.out.printf(Locale.ROOT, "load average at start: %s%n", Quiet.loadAverage());
        Report report;
        try {
            Config config = Config.of(calls, callers, seed).withHangUpConnectedAtEnd(hangUpAtEnd);
            report = run(carrierApiOutages < 0 ? config : config.withCarrierApiOutages(carrierApiOutages), System.out);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(2);
            return;
        }
        report.print(System.out);
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", Quiet.loadAverage());
        System.out.flush();
        // Exit explicitly: the embedded servers' threads may outlive close().
        System.exit(report.ok() ? 0 : 1);
    }
}
