package dev.calling.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.calling.infra.service.CallingFunction;
import dev.calling.lambda.harness.LambdaProcess;
import dev.calling.lambda.harness.RuntimeApiEmulator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A call is one X-Ray trace across functions because each function passes its invocation's trace on to every AWS
 * call it makes: Lambda hands the trace header to the runtime ({@code Lambda-Runtime-Trace-Id}), the runtime
 * client sets it for the invocation, and the AWS SDK adds it to each request as {@code X-Amzn-Trace-Id} (inside
 * Lambda only). SQS keeps it with a sent message as its {@code AWSTraceHeader} system attribute and Lambda
 * continues that trace in the consumer; DynamoDB, SNS and the rest show as nodes of the trace. The deployment
 * turns active tracing on for every function ({@code LeastPrivilegeTest} asserts it).
 *
 * <p>Here the packaged SessionService runs under AWS's Lambda runtime client with its template's environment,
 * its AWS endpoint pointed at a recording stub, and gets one connection event with a sampled trace header: the
 * AWS requests it makes must carry that header. It would fail if the runtime client, Quarkus's handler or the
 * SDK dropped the header (no header, or another trace), which no template test can show.
 */
class TracePropagationIT {

    static final String TRACE_HEADER = "Root=1-6752f0c1-5a1b2c3d4e5f60718293a4b5;Parent=53995c3f42cd8ad8;Sampled=1";

    @Test
    void theFunctionsAwsRequestsCarryTheTraceOfTheInvocation() throws Exception {
        Assumptions.assumeFalse("placeholder".equals(System.getProperty("cdk.functionCode")),
                "-Dcdk.functionCode=placeholder: no function zips to start");
        Path root = CallingApp.projectRoot();
        Path runtime = Path.of(System.getProperty("lambda.runtime.dir", "target/lambda-runtime")).toAbsolutePath();
        Path work = Files.createDirectories(Path.of("target/trace-propagation").toAbsolutePath());
        TestApp.Synthesised app = TestApp.synthesise(Map.of(), Optional.empty());
        CallingFunction sessionService = app.stacks().service().functions().values().stream()
                .filter(function -> function.settings().name().equals("SessionService")).findFirst().orElseThrow();
        Path zip = root.resolve("functions").resolve(sessionService.settings().module()).resolve("target/function.zip");
        assertThat(zip).as("built function package (./mvnw package)").isRegularFile();

        List<String> traceHeaders = Collections.synchronizedList(new ArrayList<>());
        HttpServer aws = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        aws.setExecutor(Executors.newCachedThreadPool());
        aws.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                String header = exchange.getRequestHeaders().getFirst("X-Amzn-Trace-Id");
                traceHeaders.add(exchange.getRequestHeaders().getFirst("X-Amz-Target") + " " + header);
                byte[] empty = "{}".getBytes(StandardCharsets.UTF_8); // a DynamoDB write's answer
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
                exchange.sendResponseHeaders(200, empty.length);
                exchange.getResponseBody().write(empty);
            }
        });
        aws.start();
        try {
            Map<String, String> environment = new TreeMap<>(FunctionsStartIT.environment(app, sessionService));
            String endpoint = "http://127.0.0.1:" + aws.getAddress().getPort();
            environment.put("CALLING_AWS_DYNAMODB_ENDPOINT", endpoint);
            environment.put("CALLING_AWS_SQS_ENDPOINT", endpoint);
            byte[] event = Files.readAllBytes(root.resolve("events-samples/session-service/connection-events.json"));
            Path taskRoot = LambdaProcess.unzip(zip, work.resolve("task"));
            try (RuntimeApiEmulator api = new RuntimeApiEmulator("SessionService",
                    List.of(new RuntimeApiEmulator.Invocation(event, TRACE_HEADER)), FunctionsStartIT.START_TIMEOUT)) {
                FunctionsStartIT.start("SessionService", sessionService.settings().memoryMb(), taskRoot, runtime,
                        environment, work.resolve("SessionService.log"), api);
                assertThat(api.invocations()).as("the event was handled").singleElement()
                        .satisfies(invocation -> assertThat(invocation.answered() && !invocation.error()).isTrue());
            }
        } finally {
            aws.stop(0);
        }
        assertThat(traceHeaders).as("the AWS requests of the invocation").isNotEmpty()
                .allSatisfy(request -> assertThat(request).endsWith(" " + TRACE_HEADER));
    }
}
