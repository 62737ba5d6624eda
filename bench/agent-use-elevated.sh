#!/bin/bash
# The agent script of the approach jit implements ("agent-use-elevated.sh", called when notified that
# credentials are ready), as published, for bench/creds.ts to time next to `jit creds`. One change: the
# AWS CLI call takes `--endpoint-url` from $AWS_ENDPOINT_URL when set (the Debian AWS CLI 2.9 ignores
# that variable), so both read the same local Secrets Manager.

ACCOUNT_ID="$1"
REGION="ap-southeast-2"

# Read the credentials
SECRET=$(aws secretsmanager get-secret-value \
  --secret-id "agent/elevated/${ACCOUNT_ID}" \
  --region "$REGION" \
  ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"} \
  --query 'SecretString' --output text)

# Verify they're valid and not expired
EXPIRATION=$(echo "$SECRET" | jq -r '.Expiration // empty')
if [ -z "$EXPIRATION" ]; then
  echo "❌ No valid credentials found"
  exit 1
fi

EXPIRY_EPOCH=$(date -d "$EXPIRATION" +%s 2>/dev/null)
NOW_EPOCH=$(date +%s)
if [ "$EXPIRY_EPOCH" -le "$NOW_EPOCH" ]; then
  echo "❌ Credentials expired at ${EXPIRATION}"
  exit 1
fi

ROLE=$(echo "$SECRET" | jq -r '.RoleName // "unknown"')
REMAINING=$(( (EXPIRY_EPOCH - NOW_EPOCH) / 60 ))
echo "✅ Credentials valid. Role: ${ROLE}. ${REMAINING} min remaining."

# Use the credentials
export AWS_ACCESS_KEY_ID=$(echo "$SECRET" | jq -r '.AccessKeyId')
export AWS_SECRET_ACCESS_KEY=$(echo "$SECRET" | jq -r '.SecretAccessKey')
export AWS_SESSION_TOKEN=$(echo "$SECRET" | jq -r '.SessionToken')

# Do the work...
# (whatever was requested)

# Clear credentials when done
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
echo "🔒 Credentials cleared. Session complete."
