/** Who signed an AWS API call, as the sandbox authenticated them. */

/** One of the sandbox's long-term keys: the agent, the approver, or the broker's functions. */
export interface KeyCaller {
  readonly kind: 'agent' | 'approver' | 'broker';
  /** For an agent's key: which configured agent (`agents[].id`; `default` for a config with one `agent`). */
  readonly agentId?: string;
  readonly accessKeyId: string;
  readonly accountId: string;
  /** What GetCallerIdentity answers. */
  readonly arn: string;
  /** `aws:PrincipalArn`: the user, or the role of a role session. */
  readonly principalArn: string;
  readonly userId: string;
  readonly identityType: 'IAMUser' | 'AssumedRole';
}

/** Temporary credentials minted by the sandbox's STS AssumeRole. */
export interface SessionCaller {
  readonly kind: 'session';
  readonly accessKeyId: string;
  readonly accountId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  readonly arn: string;
  /** The role's ARN. */
  readonly principalArn: string;
  readonly roleName: string;
  readonly sessionName: string;
  readonly userId: string;
  readonly sourceIdentity?: string;
  /** The inline session policy passed to AssumeRole, as JSON. */
  readonly sessionPolicy?: string;
  /** Sandbox time, ISO 8601. */
  readonly issuedAt: string;
  /** When STS says the credentials stop working (sandbox time, ISO 8601). */
  readonly expiresAt: string;
  /** Access key id of the caller that assumed the role. */
  readonly issuedBy: string;
}

export type Caller = KeyCaller | SessionCaller;

/** The CloudTrail `userIdentity` of a caller. */
export function userIdentityOf(caller: Caller): Record<string, unknown> {
  if (caller.kind !== 'session') {
    return {
      type: caller.identityType,
      principalId: caller.userId,
      arn: caller.arn,
      accountId: caller.accountId,
      accessKeyId: caller.accessKeyId,
      ...(caller.identityType === 'IAMUser' ? { userName: caller.arn.slice(caller.arn.lastIndexOf('/') + 1) } : {}),
    };
  }
  return {
    type: 'AssumedRole',
    principalId: `${caller.userId}`,
    arn: caller.arn,
    accountId: caller.accountId,
    accessKeyId: caller.accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: caller.userId.split(':')[0],
        arn: caller.principalArn,
        accountId: caller.accountId,
        userName: caller.roleName,
      },
      attributes: { creationDate: caller.issuedAt, mfaAuthenticated: 'false' },
      ...(caller.sourceIdentity ? { sourceIdentity: caller.sourceIdentity } : {}),
    },
  };
}
