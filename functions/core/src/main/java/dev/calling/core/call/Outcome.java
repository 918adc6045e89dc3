package dev.calling.core.call;

import java.util.List;

/**
 * What handling one event did to a call.
 *
 * @param call the record to store (APPLIED, DEFERRED) or the record as it already is
 * @param note a short human reason, for logs
 */
public record Outcome(Kind kind, Call call, String note) {

    public enum Kind {
        /** The call changed; store it, then issue its outbox. */
        APPLIED,
        /** A switch report came ahead of an earlier one; it is held on the record until the gap fills. */
        DEFERRED,
        /** The event was handled before; re-issue that handling's commands (they are idempotent), store nothing. */
        DUPLICATE,
        /** The event does not apply (late for an ended call, stale timer, unknown call); nothing to do. */
        IGNORED
    }

    static Outcome applied(Call call, String note) {
        return new Outcome(Kind.APPLIED, call, note);
    }

    static Outcome deferred(Call call, String note) {
        return new Outcome(Kind.DEFERRED, call, note);
    }

    static Outcome duplicate(Call call, String note) {
        return new Outcome(Kind.DUPLICATE, call, note);
    }

    public static Outcome ignored(Call call, String note) {
        return new Outcome(Kind.IGNORED, call, note);
    }

    public boolean needsWrite() {
        return kind == Kind.APPLIED || kind == Kind.DEFERRED;
    }

    /** The commands to issue after the record is stored. */
    public List<CallCommand> commands() {
        return kind == Kind.APPLIED || kind == Kind.DUPLICATE ? call.outbox() : List.of();
    }
}
