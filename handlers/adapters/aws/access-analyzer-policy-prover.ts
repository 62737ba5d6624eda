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
  constructor(private readonly client: AccessAnalyzerClient) {}

  async validatePolicy(policyDocument: string): Promise<PolicyFinding[]> {
    const findings: PolicyFinding[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ValidatePolicyCommand({ policyDocument, policyType: 'IDENTITY_POLICY', locale: 'EN', ...(nextToken ? { nextToken } : {}) }),
      );
      for (const f of page.findings ?? []) findings.push({ findingType: f.findingType ?? 'UNKNOWN', issueCode: f.issueCode ?? '', details: f.findingDetails ?? '' });
      nextToken = page.nextToken;
    } while (nextToken);
    return findings;
  }

  async checkNoNewAccess(newPolicy: string, existingPolicy: string): Promise<PolicyCheckResult> {
    const r = await this.client.send(
      new CheckNoNewAccessCommand({ newPolicyDocument: newPolicy, existingPolicyDocument: existingPolicy, policyType: 'IDENTITY_POLICY' }),
    );
    return verdict(r.result, r.message);
  }

  async checkAccessNotGranted(policyDocument: string, actions: readonly string[]): Promise<PolicyCheckResult> {
    // One Access object (the API's maximum) of at most 100 actions (the Access type's maximum).
    if (actions.length === 0 || actions.length > 100) throw new RangeError(`CheckAccessNotGranted takes 1-100 actions per call; received ${actions.length}.`);
    const r = await this.client.send(
      new CheckAccessNotGrantedCommand({ policyDocument, access: [{ actions: [...actions] }], policyType: 'IDENTITY_POLICY' }),
    );
    return verdict(r.result, r.message);
  }
}

function verdict(result: string | undefined, message: string | undefined): PolicyCheckResult {
  if (result !== 'PASS' && result !== 'FAIL') throw new Error(`IAM Access Analyzer answered no PASS or FAIL (${String(result)}).`);
  return { result, message: message ?? '' };
}
