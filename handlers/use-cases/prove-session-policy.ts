import { NEVER_EVEN_ELEVATED, NEVER_EVEN_ELEVATED_SID } from '../core/deny-list';
import { type PolicyProofs, type ProofCheck, accessCheckChunks, proofsVerdict } from '../core/policy-proofs';
import type { PolicyProver } from '../ports/policy-prover';

export interface ProveSessionPolicyInput {
  /** The exact session policy the mint passes to AssumeRole. */
  readonly sessionPolicy: string;
  /**
   * The role's merged permissions policy (role-permissions.ts: its policy file and the ceiling's deny list),
   * CheckNoNewAccess's existing document; absent only where the settings carry no policy for the role, and
   * then no-new-access is not proven.
   */
  readonly rolePolicy?: string;
  /** @default the design's deny list, NEVER_EVEN_ELEVATED */
  readonly denyList?: readonly string[];
}

const MAX_DETAIL = 500;
const bounded = (text: string) => (text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text);
const why = (error: unknown) => bounded(`IAM Access Analyzer could not be asked: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);

/** Finding types that make a policy unfit to mint with (ValidatePolicy's `findingType`). */
const BLOCKING_FINDINGS = new Set(['ERROR', 'SECURITY_WARNING']);

/** True when the session policy only fences time: an `Allow` of every action, so the role's policy is the grant. */
function isUnscoped(sessionPolicy: string): boolean {
  const parsed = JSON.parse(sessionPolicy) as { Statement?: Array<{ Effect?: string; Action?: string | string[] }> };
  return (parsed.Statement ?? []).some((s) => s.Effect === 'Allow' && (s.Action === '*' || (Array.isArray(s.Action) && s.Action.includes('*'))));
}

/**
 * The session policy with the deny list appended as the ceiling denies it on every elevated role (an
 * unconditional Deny on every resource). The session's effective permissions are at most this document's
 * (role ∩ session, minus the ceiling), so a PASS for it holds for the session.
 */
function underTheCeiling(sessionPolicy: string, actions: readonly string[]): string {
  const parsed = JSON.parse(sessionPolicy) as { Version: string; Statement: unknown[] };
  return JSON.stringify({ ...parsed, Statement: [...parsed.Statement, { Sid: NEVER_EVEN_ELEVATED_SID, Effect: 'Deny', Action: [...actions], Resource: '*' }] });
}

/**
 * Proves the session policy with IAM Access Analyzer before AssumeRole: `ValidatePolicy` (no error or
 * security warning), `CheckNoNewAccess` against the role's policy, `CheckAccessNotGranted` for the deny
 * list in chunks of 100 actions. Without a prover (the sandbox) or when a call fails, each check is
 * "not proven" — never "pass".
 */
export async function proveSessionPolicy(input: ProveSessionPolicyInput, prover: PolicyProver | undefined): Promise<PolicyProofs> {
  const denyList = input.denyList ?? NEVER_EVEN_ELEVATED;
  const chunks = accessCheckChunks(denyList);
  if (!prover) {
    const detail = 'IAM Access Analyzer is not reachable here (the sandbox has none)';
    return proofsVerdict([
      { check: 'validate-policy', subject: 'session policy', status: 'not-proven', detail },
      { check: 'no-new-access', subject: 'session policy vs role policy', status: 'not-proven', detail },
      ...chunks.map((c): ProofCheck => ({ check: 'access-not-granted', subject: c.join(', '), status: 'not-proven', detail })),
    ]);
  }

  const checks: ProofCheck[] = [];
  try {
    const findings = await prover.validatePolicy(input.sessionPolicy);
    const blocking = findings.filter((f) => BLOCKING_FINDINGS.has(f.findingType));
    checks.push({
      check: 'validate-policy',
      subject: 'session policy',
      status: blocking.length === 0 ? 'pass' : 'fail',
      detail: bounded(blocking.length === 0 ? `${findings.length} finding(s), none an error or security warning` : blocking.map((f) => `${f.findingType} ${f.issueCode}: ${f.details}`).join('; ')),
    });
  } catch (error) {
    checks.push({ check: 'validate-policy', subject: 'session policy', status: 'not-proven', detail: why(error) });
  }

  if (isUnscoped(input.sessionPolicy)) {
    checks.push({ check: 'no-new-access', subject: 'session policy vs role policy', status: 'not-applicable', detail: 'the session policy is unscoped (it fences time only): the role policy is the grant' });
  } else if (input.rolePolicy === undefined) {
    checks.push({ check: 'no-new-access', subject: 'session policy vs role policy', status: 'not-proven', detail: "the role's policy is not in the broker's settings" });
  } else {
    try {
      const r = await prover.checkNoNewAccess(input.sessionPolicy, input.rolePolicy);
      checks.push({ check: 'no-new-access', subject: 'session policy vs role policy', status: r.result === 'PASS' ? 'pass' : 'fail', detail: bounded(r.message) });
    } catch (error) {
      checks.push({ check: 'no-new-access', subject: 'session policy vs role policy', status: 'not-proven', detail: why(error) });
    }
  }

  const bounding = underTheCeiling(input.sessionPolicy, denyList);
  for (const chunk of chunks) {
    try {
      const r = await prover.checkAccessNotGranted(bounding, chunk);
      checks.push({ check: 'access-not-granted', subject: chunk.join(', '), status: r.result === 'PASS' ? 'pass' : 'fail', detail: bounded(r.message) });
    } catch (error) {
      checks.push({ check: 'access-not-granted', subject: chunk.join(', '), status: 'not-proven', detail: why(error) });
    }
  }
  return proofsVerdict(checks);
}
