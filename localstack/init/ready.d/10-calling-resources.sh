#!/usr/bin/env bash
# GENERATED from functions/aws-adapters/src/main/java/dev/calling/adapters/Resources.java by
# infra-cdk's dev.calling.infra.localstack.LocalStackInitScript. Do not edit: change Resources and run
#   ./mvnw -q -pl infra-cdk exec:java -Dexec.mainClass=dev.calling.infra.localstack.LocalStackInitScript
# (infra-cdk's LocalStackInitScriptTest fails while this file and Resources differ).
#
# Creates every table, queue (with its dead-letter queue and redrive policy) and bucket of the calling
# backend, named as in Resources (no stage prefix: the functions' defaults), as ResourceProvisioner
# creates them for the local run. LocalStack runs it from /etc/localstack/init/ready.d when it is ready;
# it can also be run against any endpoint: AWS="aws --endpoint-url http://localhost:4566" ./10-calling-resources.sh
set -euo pipefail

AWS="${AWS:-awslocal}"

# table NAME TTL_ATTRIBUTE|- CREATE_TABLE_ARGUMENTS...  (on demand; skipped if it exists)
table() {
  local name="$1" ttl="$2"
  shift 2
  if $AWS dynamodb describe-table --table-name "$name" >/dev/null 2>&1; then
    echo "table $name exists"
    return
  fi
  $AWS dynamodb create-table --table-name "$name" --billing-mode PAY_PER_REQUEST "$@" >/dev/null
  $AWS dynamodb wait table-exists --table-name "$name"
  if [ "$ttl" != "-" ]; then
    $AWS dynamodb update-time-to-live --table-name "$name" \
      --time-to-live-specification "Enabled=true,AttributeName=$ttl" >/dev/null
  fi
  echo "table $name created"
}

# queue NAME DEAD_LETTER_NAME fifo|standard VISIBILITY_SECONDS RETENTION_SECONDS MAX_RECEIVE_COUNT
queue() {
  local name="$1" dead_letter="$2" kind="$3" visibility="$4" retention="$5" max_receive="$6"
  local fifo=""
  if [ "$kind" = fifo ]; then
    fifo=',"FifoQueue":"true","ContentBasedDeduplication":"false"'
  fi
  local dlq_url dlq_arn redrive
  dlq_url=$($AWS sqs create-queue --queue-name "$dead_letter" \
    --attributes "{\"MessageRetentionPeriod\":\"$retention\"$fifo}" --query QueueUrl --output text)
  dlq_arn=$($AWS sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names QueueArn \
    --query Attributes.QueueArn --output text)
  redrive="{\\\"deadLetterTargetArn\\\":\\\"$dlq_arn\\\",\\\"maxReceiveCount\\\":\\\"$max_receive\\\"}"
  $AWS sqs create-queue --queue-name "$name" --attributes \
    "{\"MessageRetentionPeriod\":\"$retention\",\"VisibilityTimeout\":\"$visibility\",\"RedrivePolicy\":\"$redrive\"$fifo}" \
    >/dev/null
  echo "queue $name created (dead letters to $dead_letter after $max_receive receives)"
}

# bucket NAME  (private, versioned as in AWS: a rate deck's schedule names an object version;
# skipped if it exists)
bucket() {
  if $AWS s3api head-bucket --bucket "$1" >/dev/null 2>&1; then
    echo "bucket $1 exists"
    return
  fi
  $AWS s3api create-bucket --bucket "$1" >/dev/null
  $AWS s3api put-bucket-versioning --bucket "$1" --versioning-configuration Status=Enabled
  echo "bucket $1 created (versioned)"
}

# Tables
table sessions expiresAt \
  --attribute-definitions AttributeName=userId,AttributeType=S AttributeName=connectionId,AttributeType=S \
  --key-schema AttributeName=userId,KeyType=HASH AttributeName=connectionId,KeyType=RANGE \
  --global-secondary-indexes '[{"IndexName":"connectionId-index","KeySchema":[{"AttributeName":"connectionId","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]'
table calls - \
  --attribute-definitions AttributeName=callId,AttributeType=S AttributeName=callerUserId,AttributeType=S AttributeName=listKey,AttributeType=S AttributeName=calleeUserId,AttributeType=S AttributeName=sweepShard,AttributeType=S AttributeName=sweepDue,AttributeType=S \
  --key-schema AttributeName=callId,KeyType=HASH \
  --global-secondary-indexes '[{"IndexName":"caller-index","KeySchema":[{"AttributeName":"callerUserId","KeyType":"HASH"},{"AttributeName":"listKey","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}},{"IndexName":"callee-index","KeySchema":[{"AttributeName":"calleeUserId","KeyType":"HASH"},{"AttributeName":"listKey","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}},{"IndexName":"sweep-index","KeySchema":[{"AttributeName":"sweepShard","KeyType":"HASH"},{"AttributeName":"sweepDue","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]'
table call-requests expiresAt \
  --attribute-definitions AttributeName=callId,AttributeType=S \
  --key-schema AttributeName=callId,KeyType=HASH
table call-attempts expiresAt \
  --attribute-definitions AttributeName=windowKey,AttributeType=S \
  --key-schema AttributeName=windowKey,KeyType=HASH
table subscribers - \
  --attribute-definitions AttributeName=userId,AttributeType=S \
  --key-schema AttributeName=userId,KeyType=HASH
table carrier-legs expiresAt \
  --attribute-definitions AttributeName=legKey,AttributeType=S \
  --key-schema AttributeName=legKey,KeyType=HASH
table carrier-health - \
  --attribute-definitions AttributeName=providerId,AttributeType=S \
  --key-schema AttributeName=providerId,KeyType=HASH
table accounts - \
  --attribute-definitions AttributeName=userId,AttributeType=S AttributeName=entryKey,AttributeType=S AttributeName=holdShard,AttributeType=S AttributeName=oldestHold,AttributeType=S \
  --key-schema AttributeName=userId,KeyType=HASH AttributeName=entryKey,KeyType=RANGE \
  --global-secondary-indexes '[{"IndexName":"holds-index","KeySchema":[{"AttributeName":"holdShard","KeyType":"HASH"},{"AttributeName":"oldestHold","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]'
table call-detail-records - \
  --attribute-definitions AttributeName=callId,AttributeType=S AttributeName=endedDayShard,AttributeType=S AttributeName=endedAtCallId,AttributeType=S \
  --key-schema AttributeName=callId,KeyType=HASH \
  --global-secondary-indexes '[{"IndexName":"endedDay-index","KeySchema":[{"AttributeName":"endedDayShard","KeyType":"HASH"},{"AttributeName":"endedAtCallId","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]'
table call-media expiresAt \
  --attribute-definitions AttributeName=callId,AttributeType=S \
  --key-schema AttributeName=callId,KeyType=HASH
table devices - \
  --attribute-definitions AttributeName=userId,AttributeType=S \
  --key-schema AttributeName=userId,KeyType=HASH
table push-markers expiresAt \
  --attribute-definitions AttributeName=pushKey,AttributeType=S \
  --key-schema AttributeName=pushKey,KeyType=HASH
table blocks - \
  --attribute-definitions AttributeName=userId,AttributeType=S AttributeName=blockedUserId,AttributeType=S \
  --key-schema AttributeName=userId,KeyType=HASH AttributeName=blockedUserId,KeyType=RANGE
table known-callers - \
  --attribute-definitions AttributeName=userId,AttributeType=S AttributeName=knownUserId,AttributeType=S \
  --key-schema AttributeName=userId,KeyType=HASH AttributeName=knownUserId,KeyType=RANGE
table rate-decks - \
  --attribute-definitions AttributeName=carrierId,AttributeType=S AttributeName=effectiveFrom,AttributeType=S \
  --key-schema AttributeName=carrierId,KeyType=HASH AttributeName=effectiveFrom,KeyType=RANGE

# Queues
queue connection-events connection-events-dlq standard 60 345600 5
queue call-state-changes.fifo call-state-changes-dlq.fifo fifo 180 345600 5
queue call-timers call-timers-dlq standard 180 345600 5
queue switch-commands.fifo switch-commands-dlq.fifo fifo 60 86400 5
queue meeting-events meeting-events-dlq standard 60 345600 5
queue call-pushes call-pushes-dlq standard 30 86400 3

# Buckets
bucket billing-exports
bucket rate-decks

echo "calling resources ready"
