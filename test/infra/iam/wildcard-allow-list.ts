/**
 * The only synthesized identity policies allowed to hold a wildcard action on a sensitive service
 * (`iam`, `sts`, `secretsmanager`, `states`, or `*` itself). Each entry says why. A new wildcard
 * anywhere else fails `wildcard-actions.test.ts`; add it here only with a reason a reviewer accepts.
 */
export interface WildcardAllowance {
  /** Stack name pattern. */
  readonly stack: RegExp;
  /** Logical id pattern of the policy, or of the role holding it inline. */
  readonly logicalId: RegExp;
  /** The wildcard action exactly as written. */
  readonly action: string;
  readonly reason: string;
}

export const WILDCARD_ALLOW_LIST: readonly WildcardAllowance[] = [
  {
    stack: /^JitTarget-/,
    logicalId: /^CeilingBoundary/,
    action: '*',
    reason:
      'The permissions boundary: a boundary grants nothing, it caps. Allow * minus the deny-always statements is the ceiling itself.',
  },
];
