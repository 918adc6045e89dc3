package dev.calling.redrive;

import dev.calling.adapters.AwsClients;
import dev.calling.adapters.json.Json;
import dev.calling.redrive.DeadLetterRedrive.Options;
import dev.calling.redrive.DeadLetterRedrive.Report;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code tools/redrive <queue> [--max N] [--dry-run] [--endpoint URL] [--region R] [--name-prefix calling-<stage>]}:
 * the DlqRedrive Lambda's work from a shell. With {@code --endpoint} (the local stack's ElasticMQ) dummy
 * credentials; without, AWS with the default credential chain. Prints the report as JSON; exits 1 if
 * any message failed, 2 on a usage error.
 */
public final class RedriveCommand {

    static final String USAGE = """
            usage: tools/redrive <queue> [--max N] [--dry-run] [--endpoint URL] [--region R] [--name-prefix P]
                                         [--visibility-timeout SECONDS]
              <queue>         the queue to move its dead-letter queue's messages back to: %s
              --max N         messages at most (default %d)
              --dry-run       count per message group, move nothing
              --endpoint URL  an SQS endpoint, e.g. the local stack's ElasticMQ (http://127.0.0.1:<port>)
              --region R      AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION; us-east-1 with --endpoint)
              --name-prefix P what the deployment puts before queue names: calling-<stage> in AWS (default none)
              --visibility-timeout SECONDS  how long a message being moved stays hidden (default %d)"""
            .formatted(String.join(", ", DeadLetterRedrive.knownQueueNames()), DeadLetterRedrive.DEFAULT_MAX,
                    DeadLetterRedrive.DEFAULT_VISIBILITY_TIMEOUT.toSeconds());

    /** The parsed command line. */
    record Arguments(String queue, Options options, Optional<URI> endpoint, Optional<String> region, String namePrefix) {

        static Arguments parse(List<String> args) {
            String queue = null;
            Options options = Options.defaults();
            Optional<URI> endpoint = Optional.empty();
            Optional<String> region = Optional.empty();
            String prefix = "";
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--dry-run" -> options = options.withDryRun(true);
                    case "--max" -> options = options.withMax(wholeNumber(arg, value(args, ++i, arg)));
                    case "--visibility-timeout" -> options = options.withVisibilityTimeout(
                            Duration.ofSeconds(wholeNumber(arg, value(args, ++i, arg))));
                    case "--endpoint" -> endpoint = Optional.of(URI.create(value(args, ++i, arg)));
                    case "--region" -> region = Optional.of(value(args, ++i, arg));
                    case "--name-prefix" -> prefix = value(args, ++i, arg);
                    default -> {
                        if (arg.startsWith("-") || queue != null) {
                            throw new IllegalArgumentException("unexpected argument " + arg);
                        }
                        queue = arg;
                    }
                }
            }
            if (queue == null) {
                throw new IllegalArgumentException("which queue?");
            }
            return new Arguments(queue, options, endpoint, region, prefix);
        }

        private static String value(List<String> args, int i, String option) {
            if (i >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args.get(i);
        }

        private static int wholeNumber(String option, String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, was " + value);
            }
        }

        String regionOrDefault() {
            return region.or(() -> env("AWS_REGION")).or(() -> env("AWS_DEFAULT_REGION"))
                    .or(() -> endpoint.map(e -> "us-east-1"))
                    .orElseThrow(() -> new IllegalArgumentException("which AWS region? give --region"));
        }

        private static Optional<String> env(String name) {
            return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
        }
    }

    public static void main(String[] args) {
        Arguments arguments;
        String region;
        try {
            arguments = Arguments.parse(List.of(args));
            DeadLetterRedrive.knownQueue(arguments.queue());
            region = arguments.regionOrDefault();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Report report;
        try (SqsClient sqs = new AwsClients(region, Optional.empty(), arguments.endpoint()).sqs()) {
            report = new DeadLetterRedrive(sqs, arguments.namePrefix(), Clock.systemUTC())
                    .redrive(DeadLetterRedrive.knownQueue(arguments.queue()), arguments.options());
        }
        System.out.println(Json.writeView(report));
        if (!report.failures().isEmpty()) {
            System.exit(1);
        }
    }

    private RedriveCommand() {}
}
