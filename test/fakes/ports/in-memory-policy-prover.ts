import type { PolicyCheckResult, PolicyFinding, PolicyProver } from '../../../handlers/ports/policy-prover';

/**
 * A policy prover whose answers a test sets: findings for ValidatePolicy and a verdict per check, or
 * `unreachable` to throw as an absent Access Analyzer does. Records every call.
 */
export class InMemoryPolicyProver implements PolicyProver {
  readonly calls: Array<{ method: keyof PolicyProver; args: unknown[] }> = [];
  findings: PolicyFinding[] = [];
  noNewAccess: 'PASS' | 'FAIL' = 'PASS';
  accessNotGranted: 'PASS' | 'FAIL' = 'PASS';
  unreachable = false;

  private answer(method: keyof PolicyProver, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.unreachable) throw Object.assign(new Error('IAM Access Analyzer is not reachable'), { name: 'UnknownOperationException' });
  }

  async validatePolicy(policyDocument: string): Promise<PolicyFinding[]> {
    this.answer('validatePolicy', [policyDocument]);
    JSON.parse(policyDocument);
    return [...this.findings];
  }

  async checkNoNewAccess(newPolicy: string, existingPolicy: string): Promise<PolicyCheckResult> {
    this.answer('checkNoNewAccess', [newPolicy, existingPolicy]);
    return { result: this.noNewAccess, message: this.noNewAccess === 'PASS' ? 'grants no new access' : 'grants new access' };
  }

  async checkAccessNotGranted(policyDocument: string, actions: readonly string[]): Promise<PolicyCheckResult> {
    this.answer('checkAccessNotGranted', [policyDocument, [...actions]]);
    if (actions.length === 0 || actions.length > 100) throw new RangeError(`CheckAccessNotGranted takes 1-100 actions per call; received ${actions.length}.`);
    return { result: this.accessNotGranted, message: this.accessNotGranted === 'PASS' ? 'does not grant' : 'grants' };
  }
}
