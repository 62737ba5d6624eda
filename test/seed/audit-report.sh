# audit-report.sh — run after elevated session completes
#
# The blog post's audit script, as published, run by test/seed/seed-scripts.test.ts against the sandbox
# to show what it finds with this broker: nothing (docs/audit.md "The blog's audit-report.sh" says why
# and gives the command that replaces it). Changed from the blog, and nothing else:
#   - `--endpoint-url "$AWS_ENDPOINT_URL"` added (the AWS CLI v2.9 ignores the AWS_ENDPOINT_URL variable).
# SESSION_START comes from the caller, as in the blog.

aws cloudtrail lookup-events --endpoint-url "$AWS_ENDPOINT_URL" \
  --lookup-attributes AttributeKey=Username,AttributeValue=agent-elevated \
  --start-time "$SESSION_START" \
  --end-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --max-results 50 \
  --query 'Events[].{Time:EventTime,Action:EventName,Resource:Resources[0].ResourceName}' \
  --output table
