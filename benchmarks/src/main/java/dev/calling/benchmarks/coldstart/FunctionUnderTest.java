package dev.calling.benchmarks.coldstart;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One Lambda function as deployed (infra-cdk's {@code CallingServiceStack}): its module's
 * {@code function.zip}, the Quarkus handler it selects, its memory size, and the sample event
 * (under {@code events-samples/}) that its first and second invocations receive.
 *
 * @param name the function's name in the design ({@code SessionService})
 * @param module its Maven module under {@code functions/}
 * @param quarkusHandler the {@code QUARKUS_LAMBDA_HANDLER} the deployment sets, or null for the module's default
 * @param memoryMb the deployed memory size; the heap is set to 85 % of it (about what Lambda's runtime gives)
 * @param event the sample event, relative to {@code events-samples/}
 * @param uniqueIds literal ids in the event (besides every {@code sample-} prefix) replaced by
 *        fresh values in each invocation, so no invocation finds an earlier one's items
 * @param connectedUsers users of the event ({@code alice} for {@code sample-alice}) given a live app
 *        connection before the function starts, so the event takes its ordinary path, not "not connected"
 * @param environment the function's own settings, as the deployment would set them
 * @param eventFixer a last change of each event (a fresh signature or token), or null
 */
record FunctionUnderTest(String name, String module, String quarkusHandler, int memoryMb, String event,
        List<String> uniqueIds, List<String> connectedUsers, Map<String, String> environment, EventFixer eventFixer) {

    /** Rewrites an event's JSON just before it is handed out. */
    @FunctionalInterface
    interface EventFixer {
        byte[] fix(byte[] event, String idPrefix) throws Exception;
    }

    Path zip(Path root) {
        return root.resolve("functions").resolve(module).resolve("target").resolve("function.zip");
    }
}
