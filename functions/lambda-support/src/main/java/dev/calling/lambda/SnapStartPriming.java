package dev.calling.lambda;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import java.lang.System.Logger.Level;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * SnapStart priming, shared by the functions. Quarkus starts the application during init, but beans
 * are built on first use and the first AWS requests load most of the SDK, so the first event after
 * a restore took several times a warm one (docs/benchmarks.md, "Cold start"). A subclass's
 * {@link #prime()} does representative, read-only work just before Lambda takes the snapshot;
 * nothing is written or sent. Registered only when Lambda initialises for SnapStart, and off with
 * {@code calling.snapstart.priming=false}. A failure is logged and does not stop the snapshot.
 */
public abstract class SnapStartPriming implements Resource {

    private static final System.Logger LOG = System.getLogger(SnapStartPriming.class.getName());
    /** An id that never exists, for the read-only lookups. */
    protected static final String NOBODY = "snapstart-priming";

    @ConfigProperty(name = "calling.snapstart.priming", defaultValue = "true")
    boolean enabled;

    void register(@Observes StartupEvent started) {
        if (enabled && "snap-start".equals(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"))) {
            Core.getGlobalContext().register(this);
        }
    }

    /** The read-only work; returns what it did, for the log line. */
    protected abstract String prime();

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long start = System.nanoTime();
        try {
            String done = prime();
            LOG.log(Level.INFO, "SnapStart priming: " + done + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "SnapStart priming failed, the first event will pay for it", e);
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to renew: the SDK's HTTP client opens a new connection when a kept one has gone stale.
    }
}
