import type { BrokerSettings } from './broker-settings';

const USER_OR_ROLE = /^arn:([^:]+):iam::(\d{12}):(user|role)\/(?:[^/]+\/)*([^/]+)$/;
const SESSION = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/([^/]+)$/;

/**
 * Whether a configured approver identity covers the caller API Gateway authenticated. The caller's
 * `userArn` is an IAM user's ARN, or a role session's `arn:aws:sts::<account>:assumed-role/<role>/<session>`
 * (the role's path is not in it). A configured user matches itself; a configured role matches every
 * session of it; a configured session matches that session only (Identity Center names sessions after
 * the person, so one shared permission-set role can still tell approvers apart).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function principalCovers(configured: string, callerArn: string): boolean {
  if (configured === callerArn) return true;
  const role = USER_OR_ROLE.exec(configured);
  const session = SESSION.exec(callerArn);
  if (!role || role[3] !== 'role' || !session) return false;
  return role[1] === session[1] && role[2] === session[2] && role[4] === session[3];
}

/**
 * The configured approver (their address) an authenticated IAM caller decides as, or undefined when no
 * approver's `iamPrincipals` covers them. A session configured on its own wins over its role, so a shared
 * role mapped to one person cannot make another person's session act as them.
 */
export function approverForPrincipal(settings: BrokerSettings, callerArn: string): string | undefined {
  const entries = Object.entries(settings.approverPrincipals ?? {});
  const exact = entries.find(([, arns]) => arns.includes(callerArn));
  if (exact) return exact[0];
  return entries.find(([, arns]) => arns.some((arn) => principalCovers(arn, callerArn)))?.[0];
}
