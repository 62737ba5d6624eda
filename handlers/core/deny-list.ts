/**
 * The design's own hard ceiling (`deny-always.json` of the blog post this project implements), kept
 * whole and under its own Sid so a reader finds it as published: no elevated session, whatever its role,
 * may terminate instances, delete networks or databases, or touch the organization or the account.
 * The ceiling construct (infra/constructs/elevation-ceiling.ts) denies it on every elevated role; the mint
 * proves each entry not granted with IAM Access Analyzer before AssumeRole (handlers/use-cases/prove-session-policy.ts).
 */
/** The Sid the deny list carries wherever it is written: the ceiling, the role's merged permissions, the proofs. */
export const NEVER_EVEN_ELEVATED_SID = 'NeverEvenElevated';

export const NEVER_EVEN_ELEVATED = [
  'ec2:TerminateInstances',
  'ec2:DeleteVpc',
  'ec2:DeleteSubnet',
  'rds:DeleteDBInstance',
  'rds:DeleteDBCluster',
  'organizations:*',
  'account:*',
] as const;
