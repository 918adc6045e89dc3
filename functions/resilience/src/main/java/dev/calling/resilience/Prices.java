package dev.calling.resilience;

/**
 * AWS list prices, us-east-1, on-demand, without free tiers, as published on the AWS pricing
 * pages (aws.amazon.com/dynamodb/pricing/on-demand/, /sqs/pricing/, /lambda/pricing/,
 * /api-gateway/pricing/) and quoted by third-party summaries dated March–June 2026; they were not
 * read from AWS's Price List API on the day of the run. DynamoDB's are the prices after AWS's
 * 1 November 2024 on-demand price cut.
 */
final class Prices {

    private Prices() {}

    /** DynamoDB on-demand, per million write request units (1 KB standard write; 2 per KB transactional). */
    static final double DYNAMODB_PER_MILLION_WRU = 0.625;
    /** DynamoDB on-demand, per million read request units (4 KB strongly consistent read). */
    static final double DYNAMODB_PER_MILLION_RRU = 0.125;
    /** SQS standard queue, per million requests (each 64 KB chunk of a payload is a request), first 100 B a month. */
    static final double SQS_STANDARD_PER_MILLION = 0.40;
    /** SQS FIFO queue, per million requests. */
    static final double SQS_FIFO_PER_MILLION = 0.50;
    /** Lambda, per million invocations (x86 and arm64 alike). */
    static final double LAMBDA_PER_MILLION_REQUESTS = 0.20;
    /** Lambda arm64, per GB-second, first 7.5 billion GB-s a month. */
    static final double LAMBDA_ARM64_PER_GB_SECOND = 0.0000133334;
    /** API Gateway HTTP API, per million requests (first 300 million a month). */
    static final double HTTP_API_PER_MILLION = 1.00;
    /** API Gateway WebSocket API, per million messages (32 KB each; first billion a month). */
    static final double WEBSOCKET_PER_MILLION_MESSAGES = 1.00;
    /** API Gateway WebSocket API, per million connection minutes. */
    static final double WEBSOCKET_PER_MILLION_CONNECTION_MINUTES = 0.25;

    static final String AS_OF = "list prices as published on aws.amazon.com pricing pages, us-east-1, 2026"
            + " (DynamoDB after the 2024-11-01 on-demand cut); not fetched from the Price List API";
}
