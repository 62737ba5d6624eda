# agent-use-elevated.sh — called when notified that credentials are ready
#
# The blog post's agent script, as published, run by test/seed/seed-scripts.test.ts against the sandbox.
# Changed from the blog, and nothing else:
#   - every `aws` call has `--endpoint-url "$AWS_ENDPOINT_URL"` added (the AWS CLI v2.9 that CI installs
#     ignores the AWS_ENDPOINT_URL variable; the sandbox's agent.env sets it to the sandbox's URL);
#   - "Do the work..." runs one call with the elevated credentials, `aws sts get-caller-identity`, so the
#     test can see that the exported credentials work and whose they are.
# What the test provides around it: `aws` is /usr/bin/aws, and `date +%s` reads the sandbox's clock
# (which runs faster than real time); see the test for why.

ACCOUNT_ID="$1"
REGION="ap-southeast-2"

# Read the credentials
SECRET=$(aws secretsmanager get-secret-value --endpoint-url "$AWS_ENDPOINT_URL" \
  --secret-id "agent/elevated/${ACCOUNT_ID}" \
  --region "$REGION" \
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
aws sts get-caller-identity --endpoint-url "$AWS_ENDPOINT_URL" --query Arn --output text

# Clear credentials when done
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
echo "🔒 Credentials cleared. Session complete."
