/** One Access Analyzer verdict: `PASS` or `FAIL`, with its message. */
export interface PolicyCheckResult {
  readonly result: 'PASS' | 'FAIL';
  readonly message: string;
}

/** A `ValidatePolicy` finding (`ERROR`, `SECURITY_WARNING`, `WARNING`, `SUGGESTION`). */
export interface PolicyFinding {
  readonly findingType: string;
  readonly issueCode: string;
  readonly details: string;
}

/**
 * Proves properties of a policy before it is used (IAM Access Analyzer's policy checks in AWS). Every method
 * takes identity-policy documents: a session policy has the grammar and the role of an identity policy.
 * Throws when the prover cannot be reached or refuses; the caller records that as "not proven".
 */
export interface PolicyProver {
  /** Every finding for the policy, all pages. */
  validatePolicy(policyDocument: string): Promise<PolicyFinding[]>;
  /** PASS when `newPolicy` grants nothing `existingPolicy` does not. */
  checkNoNewAccess(newPolicy: string, existingPolicy: string): Promise<PolicyCheckResult>;
  /** PASS when the policy grants none of the actions (at most 100: one Access object). */
  checkAccessNotGranted(policyDocument: string, actions: readonly string[]): Promise<PolicyCheckResult>;
}
