package dev.calling.redrive;

import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.calling.redrive.DeadLetterRedrive.Options;
import dev.calling.redrive.DeadLetterRedrive.Report;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The DlqRedrive Lambda, invoked by an operator after a fix:
 * {@code {"queue":"call-state-changes.fifo","max":1000,"dryRun":false}} moves up to {@code max} messages
 * of that queue's dead-letter queue back to it (see {@link DeadLetterRedrive}) and answers with the report.
 * An unknown queue or field fails the invocation with a message naming the known ones.
 */
@Named("DlqRedrive")
public class DlqRedriveHandler implements RequestHandler<Map<String, Object>, Report> {

    /** Left of the Lambda's time when no new batch is received: one batch's sends and delete fit in it. */
    static final Duration TIME_TO_FINISH = Duration.ofSeconds(20);
    static final Duration LONGEST_LAMBDA = Duration.ofMinutes(15);

    private final DeadLetterRedrive redrive;
    private final Options defaults;
    private final Clock clock;

    @Inject
    public DlqRedriveHandler(DeadLetterRedrive redrive, Options defaults, Clock clock) {
        this.redrive = redrive;
        this.defaults = defaults;
        this.clock = clock;
    }

    @Override
    public Report handleRequest(Map<String, Object> event, Context context) {
        try (LogContext logged = LogContext.event("DlqRedrive", context, null)) {
            return redrive(event, context);
        }
    }

    private Report redrive(Map<String, Object> event, Context context) {
        RedriveRequest request = RedriveRequest.from(event);
        var queue = DeadLetterRedrive.knownQueue(request.queue());
        Options options = defaults.withMax(request.max().orElse(defaults.max())).withDryRun(request.dryRun());
        long remaining = context == null ? 0 : context.getRemainingTimeInMillis();
        // Only a real Lambda deadline: without one (a test's mock event server) the context's arithmetic is garbage.
        if (remaining > 0 && remaining <= LONGEST_LAMBDA.toMillis()) {
            options = options.withDeadline(clock.instant().plusMillis(remaining).minus(TIME_TO_FINISH));
        }
        return redrive.redrive(queue, options);
    }
}
