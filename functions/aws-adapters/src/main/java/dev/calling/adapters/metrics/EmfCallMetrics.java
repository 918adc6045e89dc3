package dev.calling.adapters.metrics;

import dev.calling.core.call.Attempt;
import dev.calling.core.call.Call;
import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CallMetrics;
import dev.calling.core.call.CallState;
import dev.calling.core.call.Outcome;
import dev.calling.core.call.RouteKind;
import dev.calling.core.call.TimelineEntry;
import dev.calling.core.money.Money;
import dev.calling.core.routing.AttemptOutcome;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The call state manager's metrics as Embedded Metric Format lines on standard output, which Lambda sends to
 * CloudWatch Logs, where they become metrics in the {@value #NAMESPACE} namespace (no request, no cost per call but
 * the log bytes). No phone number, user or token is ever in a line; the call id is, as a property, to find the call.
 *
 * <ul>
 *   <li>a call that ends: {@code Calls} (1) and {@code TalkSeconds}, by {@code Route} and {@code EndReason} and
 *       overall; {@code RequestToRing} (ms from the request to the callee's device or phone ringing, when it rang),
 *       by {@code Route};</li>
 *   <li>a call answered: {@code AnswerToBridge} (ms from the answer, as the switch or carrier stamped it, to the
 *       switch or carrier accepting the command to bridge it: the queue, this function and the provider's API), by
 *       {@code Route};</li>
 *   <li>each carrier attempt of a call that ends: {@code CarrierAttempts} (1), {@code CarrierAnswered} and
 *       {@code CarrierFailures} (0 or 1) and {@code CarrierTalkSeconds}, by {@code Carrier}: the answer-seizure ratio
 *       is answered over attempts, the average call duration talk seconds over answered;</li>
 *   <li>money, by {@code Currency}: {@code MoneyReserved} when a PSTN call is authorised, {@code MoneySettled} when a
 *       prepaid call's charge is issued, {@code MoneyRefunded} when a revision gives money back.</li>
 * </ul>
 *
 * Dead-lettered messages are counted where they are dead-lettered ({@code MessagesDeadLettered}).
 */
public final class EmfCallMetrics implements CallMetrics {

    public static final String NAMESPACE = "Calling";

    private final Consumer<String> out;

    public EmfCallMetrics(Consumer<String> out) {
        this.out = out;
    }

    /** Lines to standard output, as a Lambda function writes its logs. */
    public static EmfCallMetrics toStandardOutput() {
        PrintStream stdout = System.out;
        return new EmfCallMetrics(stdout::println);
    }

    @Override
    public void applied(Call before, Outcome applied) {
        Call call = applied.call();
        Instant at = call.timeline().isEmpty() ? call.requestedAt() : call.timeline().get(call.timeline().size() - 1).at();
        if (call.charging() != null && (before == null || before.charging() == null)) {
            money("MoneyReserved", call.charging().reserved(), call, at);
        }
        for (CallCommand command : applied.commands()) {
            if (command instanceof CallCommand.ChargeCall charge && charge.prepaid()) {
                money("MoneySettled", charge.record().retail(), call, at);
            } else if (command instanceof CallCommand.ReviseCharge revision && revision.prepaid()) {
                settledBefore(before).map(settled -> settled.minus(revision.revised().retail()))
                        .filter(refund -> refund.micros() > 0).ifPresent(refund -> money("MoneyRefunded", refund, call, at));
            }
        }
        if (call.isTerminal() && (before == null || !before.isTerminal())) {
            // Talk time as the call's detail record counts it (billing's rounding), else from its times.
            long talk = applied.commands().stream().filter(CallCommand.ChargeCall.class::isInstance)
                    .mapToLong(c -> ((CallCommand.ChargeCall) c).record().talkSeconds()).findFirst()
                    .orElse(call.answeredAt() == null ? 0 : Duration.between(call.answeredAt(), call.endedAt()).toSeconds());
            ended(call, talk);
        }
    }

    @Override
    public void bridged(Call call, Instant at) {
        if (call.answeredAt() == null) {
            return;
        }
        String route = call.route() == null ? "NONE" : call.route().name();
        out.accept(EmfLine.of(NAMESPACE, at, List.of(List.of("Route"))).dimension("Route", route)
                .metric("AnswerToBridge", Math.max(0, Duration.between(call.answeredAt(), at).toMillis()), "Milliseconds")
                .property("callId", call.callId()).toString());
    }

    private void ended(Call call, long talk) {
        String route = call.route() == null ? "NONE" : call.route().name();
        out.accept(EmfLine.of(NAMESPACE, call.endedAt(), List.of(List.of("Route", "EndReason"), List.of()))
                .dimension("Route", route).dimension("EndReason", call.endReason().name())
                .metric("Calls", 1, "Count").metric("TalkSeconds", talk, "Seconds")
                .property("callId", call.callId()).toString());
        call.timeline().stream().filter(line -> line.state() == CallState.RINGING && line.detail().startsWith("callee "))
                .map(TimelineEntry::at).findFirst().ifPresent(rang -> out.accept(
                        EmfLine.of(NAMESPACE, rang, List.of(List.of("Route"))).dimension("Route", route)
                                .metric("RequestToRing", Duration.between(call.requestedAt(), rang).toMillis(),
                                        "Milliseconds")
                                .property("callId", call.callId()).toString()));
        if (call.route() == RouteKind.PSTN) {
            for (Attempt attempt : call.attempts()) {
                boolean answered = attempt.outcome() == AttemptOutcome.ANSWERED;
                long attemptTalk = answered ? talk : 0; // one attempt at most is answered
                out.accept(EmfLine.of(NAMESPACE, call.endedAt(), List.of(List.of("Carrier")))
                        .dimension("Carrier", attempt.providerId())
                        .metric("CarrierAttempts", 1, "Count").metric("CarrierAnswered", answered ? 1 : 0, "Count")
                        .metric("CarrierFailures", attempt.outcome() == AttemptOutcome.CARRIER_FAILURE ? 1 : 0, "Count")
                        .metric("CarrierTalkSeconds", Math.max(0, attemptTalk), "Seconds")
                        .property("callId", call.callId()).toString());
            }
        }
    }

    /** What the call's settlement took, from the charge among its recent handlings. */
    private static Optional<Money> settledBefore(Call before) {
        if (before == null) {
            return Optional.empty();
        }
        return Stream.concat(before.outbox().stream(),
                        before.earlier().stream().flatMap(handling -> handling.commands().stream()))
                .filter(CallCommand.ChargeCall.class::isInstance).map(c -> ((CallCommand.ChargeCall) c).record().retail())
                .findFirst();
    }

    private void money(String metric, Money amount, Call call, Instant at) {
        out.accept(EmfLine.of(NAMESPACE, at, List.of(List.of("Currency")))
                .dimension("Currency", amount.currency().getCurrencyCode())
                .metric(metric, amount.toBigDecimal().doubleValue(), "None")
                .property("callId", call.callId()).toString());
    }
}
