package dev.calling.switching;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.calling.switching.chime.ChimeSwitchFunction;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * The Switch Lambda: two event sources, the {@code switch-commands} FIFO queue and the
 * {@code meeting-events} queue, both handled by the Amazon Chime SDK Meetings switch.
 */
@Named("Switch")
public class SwitchHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final ChimeSwitchFunction chimeSwitch;

    @Inject
    public SwitchHandler(ChimeSwitchFunction chimeSwitch) {
        this.chimeSwitch = chimeSwitch;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return chimeSwitch.handleRequest(event, context);
    }
}
