package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.QueueDefinition;
import dev.calling.infra.service.CallingFunction;
import dev.calling.infra.service.CallingFunction.Settings;
import dev.calling.infra.service.DataByName;
import dev.calling.infra.service.FunctionCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/**
 * A VoIP-only deployment on a new account (nothing but reserved concurrency off and the API
 * Gateway logging role on), and the synth-time guards that keep queues and functions consistent.
 */
class DeploymentVariantsTest {

    static TestApp.Synthesised voipOnly;

    @BeforeAll
    static void synthesise() {
        voipOnly = TestApp.synthesise(Map.of("stage", "voip", "reservedConcurrency", "false",
                "apiGatewayCloudWatchRole", "true"));
    }

    @Test
    void voipOnlyHasNoCarriersNoChimeGrantAndChimeMayOnlyInvokeFromThisAccount() {
        JsonNode manager = FunctionsTest.properties(voipOnly, "CallStateManager");
        assertThat(FunctionsTest.fieldNames(manager.at("/Environment/Variables")))
                .noneMatch(name -> name.startsWith("CALLING_CARRIER"));
        assertThat(voipOnly.serviceJson().toString()).doesNotContain("chime:CreateSipMediaApplicationCall");
        voipOnly.service().hasResourceProperties("AWS::Lambda::Permission", Map.of(
                "Principal", "voiceconnector.chime.amazonaws.com", "SourceAccount", Map.of("Ref", "AWS::AccountId"),
                "SourceArn", Match.absent()));
    }

    @Test
    void withoutReservedConcurrencyNoFunctionReservesAny() {
        voipOnly.resources(voipOnly.serviceJson(), "AWS::Lambda::Function").forEach(function ->
                assertThat(function.getValue().at("/Properties/ReservedConcurrentExecutions").isMissingNode()).isTrue());
    }

    @Test
    void theApiGatewayLoggingRoleIsSetWhenAskedForAndCdkNagStaysClean() {
        voipOnly.service().resourceCountIs("AWS::ApiGateway::Account", 1);
        for (Stack stack : List.of(voipOnly.stacks().data(), voipOnly.stacks().service())) {
            assertThat(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).isEmpty();
        }
    }

    @Test
    void synthRefusesAFunctionWhoseZipIsNotBuilt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path functions) {
        assertThatThrownBy(() -> FunctionCode.built(functions).of("call-api"))
                .hasMessageContaining("call-api").hasMessageContaining("function.zip is missing")
                .hasMessageContaining("functionCode=placeholder");
    }

    @Test
    void aQueueHidingMessagesForLessThanSixConsumerTimeoutsIsRefused() {
        Stack stack = new Stack(new App(), "Guard");
        QueueDefinition tooShort = Resources.CONNECTION_EVENTS.withVisibilityTimeout(Duration.ofSeconds(30));
        DataByName data = new DataByName(stack, "Data", PhysicalNames.of("guard"));
        CallingFunction function = new CallingFunction(stack, "SessionService", PhysicalNames.of("guard"),
                new Settings("SessionService", "session-service", "", 512, software.amazon.awscdk.Duration.seconds(10),
                        Optional.empty()), FunctionCode.placeholder());
        DataByName.QueueRef queue = new DataByName.QueueRef(tooShort, data.queue(Resources.CONNECTION_EVENTS).queue(),
                data.queue(Resources.CONNECTION_EVENTS).deadLetterQueue());

        assertThatThrownBy(() -> function.consumes(queue, 10, 5))
                .hasMessageContaining("connection-events").hasMessageContaining("at least 60 s");
        assertThat(CallingFunction.timeoutForQueues(queue).toSeconds()).isEqualTo(5);
    }
}
