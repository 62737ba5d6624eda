import { auditRegions } from './audit-polling';

/**
 * The regions where a target account needs a tripwire forwarding rule: every audited region plus
 * us-east-1. CloudTrail puts an API call on the default event bus of the region the call was made in, and
 * the calls of global services (IAM, the STS global endpoint, Organizations, ...) are recorded in
 * us-east-1, so a rule in any one region sees only that region's calls.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events
 */
export function tripwireRegions(configuredAuditRegions: readonly string[]): string[] {
  return auditRegions(configuredAuditRegions);
}

/**
 * The regions of `tripwireRegions` that need a stack of their own: all but the target stack's region
 * (the hub's), whose rule the target stack holds under the logical IDs it always had.
 */
export function separateForwarderRegions(targetStackRegion: string, configuredAuditRegions: readonly string[]): string[] {
  return tripwireRegions(configuredAuditRegions).filter((region) => region !== targetStackRegion);
}
