package dev.calling.core.call;

import java.util.List;

/**
 * What handling one event did to a call.
 *
 * @param call the record to store (APPLIED, DEFERRED) or the record as it already is
 * @param commands what to issue once the record is stored (or at once, when nothing is stored)
 * @param note a short human reason, for logs
 */
public record Outcome(Kind kind, Call call, List<CallCommand> commands, String note) {

    public enum Kind {
        /** The call changed; store it, then issue its outbox. */
        APPLIED,
        /** A switch report came ahead of an earlier one; it is held on the record until the gap fills. */
        DEFERRED,
        /** The event was handled before; re-issue that handling's commands (they are idempotent), store nothing. */
        DUPLICATE,
        /**
         * A check found nothing to change: store nothing, issue the commands (the watchdog's next check,
         * or an ended call's end commands once more until they are known to be carried out).
         */
        CHECKED,
        /** The event does not apply (late for an ended call, stale timer, unknown call); nothing to do. */
        IGNORED
    }

    public Outcome {
        commands = List.copyOf(commands);
    }

    static Outcome applied(Call call, String note) {
        return new Outcome(Kind.APPLIED, call, call.outbox(), note);
    }

    static Outcome deferred(Call call, String note) {
        return new Outcome(Kind.DEFERRED, call, List.of(), note);
    }

    static Outcome duplicate(Call call, List<CallCommand> commands, String note) {
        return new Outcome(Kind.DUPLICATE, call, commands, note);
    }

    static Outcome checked(Call call, List<CallCommand> commands, String note) {
        return new Outcome(Kind.CHECKED, call, commands, note);
    }

    public static Outcome ignored(Call call, String note) {
        return new Outcome(Kind.IGNORED, call, List.of(), note);
    }

    public boolean needsWrite() {
        return kind == Kind.APPLIED || kind == Kind.DEFERRED;
    }
}
