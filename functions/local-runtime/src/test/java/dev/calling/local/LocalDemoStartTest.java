package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.auth.DevTokenIssuer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code ./run-local} says before and around its calls: its start-up failures and the {@code --serve} tokens. */
class LocalDemoStartTest {

    @Test
    void aTakenPortIsOneClearLineAndExitCodeOneBeforeAnythingStarts() throws Exception {
        for (String option : List.of("--http-port", "--ws-port")) {
            try (ServerSocket taken = new ServerSocket()) {
                taken.bind(new InetSocketAddress("localhost", 0));
                ByteArrayOutputStream err = new ByteArrayOutputStream();

                int status = LocalDemo.launch(new String[] {"--serve", option + "=" + taken.getLocalPort()},
                        new PrintStream(err, true, StandardCharsets.UTF_8));

                assertThat(status).isEqualTo(1);
                String said = err.toString(StandardCharsets.UTF_8);
                assertThat(said.lines()).hasSize(1);
                assertThat(said).startsWith("run-local: cannot start: port " + taken.getLocalPort() + " on localhost is in use")
                        .endsWith("stop what holds it, or choose another with " + option + "=N" + System.lineSeparator());
            }
        }
    }

    @Test
    void aPortThatIsNotANumberIsRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = LocalDemo.launch(new String[] {"--http-port=eighty"}, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("run-local: --http-port=eighty is not a port number");
    }

    @Test
    void servePrintsAnExportLinePerUserWithATokenForThem() {
        DevTokenIssuer tokens = DevTokenIssuer.generate();

        List<String> lines = LocalDemo.serveExports(tokens);

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("export ANN=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(lines.get(1)).matches("export BEN=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        var verifier = tokens.verifier(Clock.systemUTC());
        assertThat(verifier.verify(lines.get(0).substring("export ANN=".length())).subject()).isEqualTo("ann");
        assertThat(verifier.verify(lines.get(1).substring("export BEN=".length())).subject()).isEqualTo("ben");
    }
}
