import { SOURCE_IDENTITY_TRUST_PATTERN } from '../../handlers/core/grant-window';

/**
 * The organization guardrails' policy documents, pure data built from the config. They hold even against
 * an administrator of a member account (nobody there can detach them), unlike the ceiling, which lives in
 * the account it protects.
 *
 * SCP: @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
 * RCP: @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
 * Global condition keys: @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */

export interface GuardrailDocument {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<Record<string, unknown>>;
}

/** SCPs and RCPs are at most 5,120 characters each. @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html */
export const MAX_ORGANIZATION_POLICY_CHARS = 5120;

/** Any partition, any account: an elevated role's name is the same in every target account. */
function elevatedRoleArnPatterns(elevatedRoleNames: readonly string[]): string[] {
  return [...new Set(elevatedRoleNames)].map((name) => `arn:*:iam::*:role/${name}`);
}

/**
 * SCP: an elevated role is usable only by a session the broker minted, which always carries a `jit-`
 * source identity. SCPs restrict the principals of the accounts they are attached to, so:
 *
 * - `DenyElevatedSessionsWithoutAJitSourceIdentity` is evaluated for the elevated role's own sessions
 *   (principals of the target account): `aws:PrincipalArn` is the role for a role session, and
 *   `aws:SourceIdentity` is in the context only when the session has one; `StringNotLike` on an absent
 *   key matches, so a session without one is denied everything. This holds even if someone edits the
 *   role's trust policy.
 * - `DenyAssumingElevatedRolesWithoutAJitSourceIdentity` is evaluated for the caller of `sts:AssumeRole`
 *   (a principal of the hub, or of any attached account): `sts:SourceIdentity` is the value the request
 *   sets, absent without one. Callers from outside the organization are not restricted by an SCP; the RCP
 *   below covers them.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceidentity
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_sourceidentity
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 */
export function sourceIdentityScp(elevatedRoleNames: readonly string[]): GuardrailDocument {
  const roles = elevatedRoleArnPatterns(elevatedRoleNames);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyElevatedSessionsWithoutAJitSourceIdentity',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { ArnLike: { 'aws:PrincipalArn': roles }, StringNotLike: { 'aws:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } },
      },
      {
        Sid: 'DenyAssumingElevatedRolesWithoutAJitSourceIdentity',
        Effect: 'Deny',
        Action: 'sts:AssumeRole',
        Resource: roles,
        Condition: { StringNotLike: { 'sts:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } },
      },
    ],
  };
}

/**
 * RCP: no role in an attached account may be assumed by a principal outside the organization, whatever
 * its trust policy says — a role a grant creates (under the boundary) trusted by another account is then
 * useless to that account. `aws:PrincipalOrgID` is present only when the caller's account is in an
 * organization, so `StringNotEqualsIfExists` denies callers outside it; AWS services calling with a service
 * principal (`aws:PrincipalIsAWSService`) are let through. SAML and web identity federation carry no
 * organization and are not covered (they would all be denied otherwise).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
 * @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_examples.html
 */
export function organizationOnlyRcp(organizationId: string): GuardrailDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyRoleAssumptionFromOutsideTheOrganization',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Resource: '*',
        Condition: {
          StringNotEqualsIfExists: { 'aws:PrincipalOrgID': organizationId },
          BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    ],
  };
}

/** What turns a detection service off, hides its findings or re-routes them. */
export const DETECTION_TAMPERING_ACTIONS = [
  'cloudtrail:StopLogging',
  'cloudtrail:DeleteTrail',
  'cloudtrail:UpdateTrail',
  'cloudtrail:PutEventSelectors',
  'cloudtrail:PutInsightSelectors',
  'cloudtrail:DeleteEventDataStore',
  'cloudtrail:UpdateEventDataStore',
  'cloudtrail:StopEventDataStoreIngestion',
  'config:StopConfigurationRecorder',
  'config:DeleteConfigurationRecorder',
  'config:PutConfigurationRecorder',
  'config:DeleteDeliveryChannel',
  'config:PutDeliveryChannel',
  'guardduty:DeleteDetector',
  'guardduty:UpdateDetector',
  'guardduty:DisassociateFromMasterAccount',
  'guardduty:DisassociateFromAdministratorAccount',
  'guardduty:DisassociateMembers',
  'guardduty:DeleteMembers',
  'guardduty:StopMonitoringMembers',
  'guardduty:CreateFilter',
  'guardduty:UpdateFilter',
  'guardduty:CreateIPSet',
  'guardduty:UpdateIPSet',
  'guardduty:DeletePublishingDestination',
  'guardduty:UpdatePublishingDestination',
  'securityhub:DisableSecurityHub',
  'securityhub:DisassociateFromMasterAccount',
  'securityhub:DisassociateFromAdministratorAccount',
  'securityhub:DisassociateMembers',
  'securityhub:DeleteMembers',
  'securityhub:BatchDisableStandards',
  'securityhub:CreateAutomationRule',
  'securityhub:BatchUpdateAutomationRules',
  'access-analyzer:DeleteAnalyzer',
  'access-analyzer:CreateArchiveRule',
  'access-analyzer:UpdateArchiveRule',
  'access-analyzer:ApplyArchiveRule',
  'macie2:DisableMacie',
  'macie2:UpdateMacieSession',
  'detective:DeleteGraph',
  'detective:DisassociateMembership',
  'inspector2:Disable',
] as const;

/**
 * SCP: nobody in an attached account turns detection off, except the roles listed as detection
 * administrators (the management account is never restricted by SCPs).
 */
export function detectionStaysOnScp(detectionAdministrators: readonly string[] = []): GuardrailDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyStoppingDetection',
        Effect: 'Deny',
        Action: [...DETECTION_TAMPERING_ACTIONS],
        Resource: '*',
        ...(detectionAdministrators.length > 0 ? { Condition: { ArnNotLike: { 'aws:PrincipalArn': [...detectionAdministrators] } } } : {}),
      },
    ],
  };
}
