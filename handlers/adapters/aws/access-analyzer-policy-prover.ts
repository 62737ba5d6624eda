import {
  type AccessAnalyzerClient,
  CheckAccessNotGrantedCommand,
  CheckNoNewAccessCommand,
  ValidatePolicyCommand,
} from '@aws-sdk/client-accessanalyzer';
import type { PolicyCheckResult, PolicyFinding, PolicyProver } from '../../ports/policy-prover';

/**
 * IAM Access Analyzer's custom policy checks, run by the mint function before AssumeRole.
 *
 * `policyType: IDENTITY_POLICY` everywhere: a session policy is written and evaluated as an identity-based
 * policy (no `Principal`; it limits the session's identity-based permissions), and Access Analyzer's policy
 * types are identity, resource, service control and resource control policies.
 *
 * @see https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html
 * @see https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html
 * @see https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
 */
export class AccessAnalyzerPolicyProver implements PolicyProver {
  /**
   * The answer of an endpoint that does not know Access Analyzer's operations (`UnknownOperationException`:
   * the local sandbox, an endpoint override): it will not learn them while this function runs, so every
   * later check fails with the same error without another call. Under load in the sandbox that was two
   * calls a mint.
   */
  private unknownOperation: Error | undefined;

  constructor(private readonly client: AccessAnalyzerClient) {}

  private async send<O>(call: () => Promise<O>): Promise<O> {
    if (this.unknownOperation) throw this.unknownOperation;
    try {
      return await call();
    } catch (error) {
      if (error instanceof Error && error.name === 'UnknownOperationException') this.unknownOperation = error;
      throw error;
    }
  }

  async validatePolicy(policyDocument: string): Promise<PolicyFinding[]> {
    const findings: PolicyFinding[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.send(() =>
        this.client.send(new ValidatePolicyCommand({ policyDocument, policyType: 'IDENTITY_POLICY', locale: 'EN', ...(token ? { nextToken: token } : {}) })),
      );
      for (const f of page.findings ?? []) findings.push({ findingType: f.findingType ?? 'UNKNOWN', issueCode: f.issueCode ?? '', details: f.findingDetails ?? '' });
      nextToken = page.nextToken;
    } while (nextToken);
    return findings;
  }

  async checkNoNewAccess(newPolicy: string, existingPolicy: string): Promise<PolicyCheckResult> {
    const r = await this.send(() =>
      this.client.send(new CheckNoNewAccessCommand({ newPolicyDocument: newPolicy, existingPolicyDocument: existingPolicy, policyType: 'IDENTITY_POLICY' })),
    );
    return verdict(r.result, r.message);
  }

  async checkAccessNotGranted(policyDocument: string, actions: readonly string[]): Promise<PolicyCheckResult> {
    // One Access object (the API's maximum) of at most 100 actions (the Access type's maximum).
    if (actions.length === 0 || actions.length > 100) throw new RangeError(`CheckAccessNotGranted takes 1-100 actions per call; received ${actions.length}.`);
    const r = await this.send(() =>
      this.client.send(new CheckAccessNotGrantedCommand({ policyDocument, access: [{ actions: [...actions] }], policyType: 'IDENTITY_POLICY' })),
    );
    return verdict(r.result, r.message);
  }
}

function verdict(result: string | undefined, message: string | undefined): PolicyCheckResult {
  if (result !== 'PASS' && result !== 'FAIL') throw new Error(`IAM Access Analyzer answered no PASS or FAIL (${String(result)}).`);
  return { result, message: message ?? '' };
}
