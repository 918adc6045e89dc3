package dev.calling.local;

import dev.calling.adapters.auth.DevTokenIssuer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code tools/mint-token <userId> [hours]}: prints a bearer token for the local gateway, signed
 * with the local dev key ({@code local-data/dev-jwt-key.json}, created on first use and shared with
 * {@code ./run-local}). Local use only: in AWS the tokens are Cognito's. Standard output carries the
 * token and nothing else, so that {@code ANN=$(tools/mint-token ann)} works.
 */
public final class MintToken {

    private MintToken() {}

    public static void main(String[] args) {
        int status = run(args, Path.of(System.getProperty("calling.local-data", "local-data")), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Prints one token line to {@code out}; returns 2 (and says why on {@code err}) on a usage error. */
    static int run(String[] args, Path localData, PrintStream out, PrintStream err) {
        if (args.length < 1 || args.length > 2 || args[0].isBlank() || args[0].startsWith("-")) {
            err.println("usage: tools/mint-token <userId> [hours, default 12]");
            return 2;
        }
        long hours;
        try {
            hours = args.length == 2 ? Long.parseLong(args[1]) : 12;
        } catch (NumberFormatException e) {
            hours = 0;
        }
        if (hours <= 0) {
            err.println("mint-token: hours must be a positive whole number, not " + args[1]);
            return 2;
        }
        DevTokenIssuer tokens = DevTokenIssuer.loadOrCreate(localData.resolve("dev-jwt-key.json"));
        out.println(tokens.mint(args[0], Duration.ofHours(hours)));
        return 0;
    }
}
