package dev.calling.adapters.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.call.CallCommand;
import dev.calling.core.call.CarrierPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CarriersByIdTest {

    /** A carrier adapter that notes what it was told. */
    static final class Recording implements CarrierPort {
        final List<CallCommand> commands = new ArrayList<>();

        @Override
        public void dial(CallCommand.DialNumber command) {
            commands.add(command);
        }

        @Override
        public void bridge(CallCommand.BridgeToNumber command) {
            commands.add(command);
        }

        @Override
        public void hangUp(CallCommand.HangUpNumber command) {
            commands.add(command);
        }

        @Override
        public void check(CallCommand.CheckNumber command) {
            commands.add(command);
        }
    }

    @Test
    void eachCommandGoesToTheCarrierItNames() {
        Recording chime = new Recording();
        Recording rest = new Recording();
        CarriersById carriers = new CarriersById(Map.of("chime", chime, "rest", rest));

        carriers.dial(new CallCommand.DialNumber("c1", 1, "chime", "alice", "alice-c1", "+447911123456", null));
        carriers.hangUp(new CallCommand.HangUpNumber("c1", 1, "chime"));
        carriers.dial(new CallCommand.DialNumber("c1", 2, "rest", "alice", "alice-c1", "+447911123456", null));
        carriers.bridge(new CallCommand.BridgeToNumber("c1", 2, "rest", "alice", "alice-c1"));

        assertThat(chime.commands).extracting(c -> c.getClass().getSimpleName()).containsExactly("DialNumber", "HangUpNumber");
        assertThat(rest.commands).extracting(c -> c.getClass().getSimpleName()).containsExactly("DialNumber", "BridgeToNumber");
    }

    @Test
    void aCarrierWithoutAdapterIsAConfigurationErrorNotASilentDrop() {
        CarriersById carriers = new CarriersById(Map.of("chime", new Recording()));

        assertThatThrownBy(() -> carriers.dial(new CallCommand.DialNumber("c1", 1, "atlas", "alice", "alice-c1", "+447911123456", null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("atlas").hasMessageContaining("chime");
    }
}
