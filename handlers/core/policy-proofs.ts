import { z } from 'zod';

/**
 * What IAM Access Analyzer proved about a grant's session policy before AssumeRole (docs/security-model.md,
 * "Proofs before minting"). Each check is `pass`, `fail`, `not-proven` (Access Analyzer could not be asked
 * or could not answer: the sandbox, an outage, a missing permission) or `not-applicable` (nothing to
 * compare with). Only an answer from Access Analyzer is ever `pass`; the verdict is `proven` only when
 * every check that applies passed.
 */
export const PROOF_CHECKS = ['validate-policy', 'no-new-access', 'access-not-granted'] as const;
export const PROOF_STATUSES = ['pass', 'fail', 'not-proven', 'not-applicable'] as const;
export const PROVEN = 'proven';
export const NOT_PROVEN = 'not proven';
export const PROOF_FAILED = 'failed';

export const proofCheckSchema = z.object({
  check: z.enum(PROOF_CHECKS),
  /** What was checked, e.g. `ec2:TerminateInstances, ec2:DeleteVpc` for a deny-list chunk. */
  subject: z.string(),
  status: z.enum(PROOF_STATUSES),
  /** One sentence: Access Analyzer's message, the finding, or why it was not asked. */
  detail: z.string().max(500),
});

export const policyProofsSchema = z.object({
  verdict: z.enum([PROVEN, NOT_PROVEN, PROOF_FAILED]),
  reason: z.string().max(500),
  checks: z.array(proofCheckSchema),
});

export type ProofCheck = z.infer<typeof proofCheckSchema>;
export type PolicyProofs = z.infer<typeof policyProofsSchema>;

/** What a FAIL does: `refuse` stops the mint (the default), `warn` mints and says so everywhere. */
export const PROOF_FAIL_MODES = ['refuse', 'warn'] as const;
export type ProofFailMode = (typeof PROOF_FAIL_MODES)[number];
export const DEFAULT_PROOF_FAIL_MODE: ProofFailMode = 'refuse';

/**
 * `CheckAccessNotGranted` takes one `Access` object of at most 100 actions per call.
 * @see https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html
 * @see https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Access.html
 */
export const MAX_ACTIONS_PER_ACCESS_CHECK = 100;

/** Splits the deny list into chunks `CheckAccessNotGranted` accepts, in order, none empty. */
export function accessCheckChunks(actions: readonly string[], size = MAX_ACTIONS_PER_ACCESS_CHECK): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < actions.length; i += size) chunks.push(actions.slice(i, i + size));
  return chunks;
}

/** The verdict over all checks: any fail fails; otherwise proven only if something passed and nothing is unproven. */
export function proofsVerdict(checks: readonly ProofCheck[]): PolicyProofs {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length > 0) return { verdict: PROOF_FAILED, reason: `${failed.map((c) => c.check).join(', ')} failed`, checks: [...checks] };
  const unproven = checks.filter((c) => c.status === 'not-proven');
  if (unproven.length > 0) return { verdict: NOT_PROVEN, reason: unproven[0]?.detail ?? 'not proven', checks: [...checks] };
  if (!checks.some((c) => c.status === 'pass')) return { verdict: NOT_PROVEN, reason: 'no check applied', checks: [...checks] };
  return { verdict: PROVEN, reason: 'every check passed in IAM Access Analyzer', checks: [...checks] };
}

/** True when the mint must stop: a FAIL under `refuse`. Not proven never stops a mint (the sandbox has no Access Analyzer). */
export function proofsRefuseMint(proofs: PolicyProofs, onFail: ProofFailMode): boolean {
  return proofs.verdict === PROOF_FAILED && onFail === 'refuse';
}

/**
 * The heading over `describeProofs` where an approver decides: the checks ran on the session policy a grant
 * as requested would get; the mint proves the exact policy it passes again (a decision may lower it).
 */
export const APPROVAL_PROOFS_HEADING = 'IAM Access Analyzer on the session policy as requested (the mint proves the granted policy again):';

/** One line per check for a message or a report: `PASS validate-policy (session policy): ...`. */
export function describeProofs(proofs: PolicyProofs): string[] {
  const label = { pass: 'PASS', fail: 'FAIL', 'not-proven': 'NOT PROVEN', 'not-applicable': 'N/A' } as const;
  return [`Proofs: ${proofs.verdict} (${proofs.reason})`, ...proofs.checks.map((c) => `${label[c.status]} ${c.check} (${c.subject}): ${c.detail}`)];
}
