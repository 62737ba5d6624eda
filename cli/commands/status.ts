import { Command } from 'commander';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import type { RequestView } from '../../handlers/core/request-view';
import type { PostReview } from '../../handlers/core/break-glass';
import { agentStatus } from '../agent/agent-actions';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT, type ExitCode } from '../exit-codes';

/** Refusals of the approver route after which the caller is shown what the agent knows instead. */
const AGENT_VIEW_CODES: ReadonlySet<ExitCode> = new Set([EXIT.AWS_ACCESS, EXIT.REFUSED, EXIT.CONFIG]);

/** How long the agent's view listens to its notification queue for news of the request. */
const SWEEP_MS = 2000;

function postReviewText(requestId: string, review: PostReview): string {
  return review.status === 'pending'
    ? `  POST-REVIEW PENDING: break-glass by ${review.operator}; another approver acknowledges it with: jit ack ${requestId}`
    : `  post-review: acknowledged by ${review.acknowledgedBy} at ${review.acknowledgedAt}`;
}

function recordText(r: RequestView): string {
  const lines = [
    `${r.requestId}: ${r.status}`,
    `  ${r.role} in ${r.accountName} (${r.accountId}) for ${r.minutes} minutes, requested ${r.requestedAt}`,
    `  reason: ${r.reason}`,
  ];
  if (r.decision) lines.push(`  approved by ${r.decision.approver} at ${r.decision.decidedAt}: ${r.decision.role} for ${r.decision.minutes} minutes`);
  if (r.decision?.breakGlass) lines.push(`  break-glass: ${r.decision.breakGlass.reason} (at most ${r.decision.breakGlass.maxMinutes} minutes)`);
  if (r.denial) lines.push(`  denied by ${r.denial.approver} at ${r.denial.decidedAt}${r.denial.reason ? `: ${r.denial.reason}` : ''}`);
  if (r.grant) lines.push(`  granted ${r.grant.grantedAt}, expires ${r.grant.expiresAt} (access key ${r.grant.accessKeyId})`);
  if (r.revokedAt) lines.push(`  ended early ${r.revokedAt} by ${r.revokedBy ?? 'unknown'}${r.revokeReason ? `: ${r.revokeReason}` : ''}`);
  if (r.report) lines.push(`  audit report: ${r.report.markdownUri}${r.report.complete ? '' : ' (incomplete)'}`);
  if (r.failure) lines.push(`  failure: ${r.failure}`);
  return lines.join('\n');
}


async function agentView(ctx: CliContext, requestId: string): Promise<void> {
  const status = await agentStatus(ctx, requestId, { listenMs: SWEEP_MS });
  if (!status.lastOutcome && !status.grant) {
    throw new CliError(
      `Nothing known about ${requestId} to this agent: no outcome arrived on its notification queue.`,
      EXIT.NOT_FOUND,
      'Outcomes stay on the queue for an hour; an approver (jit-approver policy) sees every request with jit status.',
    );
  }
  ctx.data(
    { ...status, view: 'agent' },
    [
      `${requestId}: ${status.status ?? status.lastOutcome ?? 'unknown'} (as the agent sees it)`,
      ...status.outcomes.map((o) => `  ${o.time ?? ''} ${o.outcome}${o.reason ? `: ${o.reason}` : ''}`),
      ...(status.grant ? [`  grant ${status.grant.active ? 'active' : 'expired'}: ${status.grant.roleName}, expires ${status.grant.expiresAt}; AWS_PROFILE=${status.profile}`] : []),
    ].join('\n'),
  );
}

/** `jit status`: where a request stands. */
export function statusCommand(context: (command: Command) => CliContext): Command {
  return new Command('status')
    .description("Show where a request stands: the full record with an approver's credentials, else what the agent has been told")
    .argument('<requestId>', 'the request id printed by jit request')
    .action(async (requestId: string, _options, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      // Approvers read the record through the approver route; anyone else (the agent may not read the
      // request store, invariant 2, docs/security-invariants.md) gets the agent's own view.
      let answer;
      try {
        answer = await ctx.approverApi().call('GET', `/approvals/${encodeURIComponent(requestId)}`);
      } catch (error) {
        if (error instanceof CliError && AGENT_VIEW_CODES.has(error.exitCode)) return agentView(ctx, requestId);
        throw error;
      }
      if (answer.status === 404) throw new CliError(`No request ${requestId}.`, EXIT.NOT_FOUND);
      if (answer.status !== 200 || typeof answer.body.request !== 'object') {
        throw new CliError(`The approver route answered HTTP ${answer.status}: ${String(answer.body.message ?? 'no request')}.`, EXIT.FAILURE);
      }
      const view = answer.body.request as RequestView;
      const review = answer.body.postReview as PostReview | undefined;
      ctx.data(review ? { ...view, postReview: review } : view, recordText(view) + (review ? `\n${postReviewText(requestId, review)}` : ''));
    });
}
