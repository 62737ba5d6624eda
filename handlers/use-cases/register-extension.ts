import { agentEventSource, agentOfSource, agentSecretName } from '../core/agents';
import { agentsOf } from '../core/broker-settings';
import { displayTextProblem } from '../core/display-text';
import { type ElevationRequest, MAX_REASON_LENGTH, requestIdFor } from '../core/elevation-request';
import { InvalidRequestError } from '../core/errors';
import { checkExtension, extensionEventSchema, extensionRequestDetailSchema } from '../core/grant-extension';
import { revocationOf } from '../core/revocation';
import { type RegisterInput, type RegisterRequestDeps, type RegisterResult, storeOnce } from './register-request';

function textProblems(field: string, text: string, max: number): string[] {
  const trimmed = text.trim();
  const problems: string[] = [];
  if (trimmed.length === 0) problems.push(`${field}: must not be empty`);
  if (trimmed.length > max) problems.push(`${field}: must be at most ${max} characters (got ${trimmed.length})`);
  const unsafe = displayTextProblem(field, trimmed);
  if (unsafe) problems.push(unsafe);
  return problems;
}

/**
 * Register for an `Elevation Extension Requested` event: validates it against the live request it names
 * (`checkExtension`: only a live grant, only of the agent the event's `source` pins, within the role's
 * maximum and the total and STS bounds), then stores the extension as a request of its own — the live
 * grant's account and role, the minutes to add, and `extension` fixing which credential set it extends —
 * once, exactly as `registerRequest` stores a request. The live request's record is not touched.
 *
 * @throws InvalidRequestError naming every problem, so the agent can fix its extension in one go.
 */
export async function registerExtension(input: RegisterInput, deps: RegisterRequestDeps): Promise<RegisterResult> {
  const envelope = extensionEventSchema.safeParse(input.event);
  if (!envelope.success) throw new InvalidRequestError(['event: not an "Elevation Extension Requested" event from an agent source (jit.agent or jit.agent.<id>)']);
  const parsed = extensionRequestDetailSchema.safeParse(envelope.data.detail);
  if (!parsed.success) {
    throw new InvalidRequestError(parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'detail'}: ${issue.message}`));
  }
  const detail = parsed.data;
  const problems: string[] = [];
  const requestId = requestIdFor(envelope.data);
  if (!requestId) problems.push('requestId: missing, and the event id cannot serve as one');
  if (requestId === detail.extends) problems.push('requestId: an extension needs an id of its own, not the id of the grant it extends');
  // The source is what the sender's PutEvents permission pinned (`events:source`): the agent, whatever the detail says.
  const agent = agentOfSource(agentsOf(deps.settings), envelope.data.source);
  if (!agent) problems.push(`source: ${envelope.data.source} is not the source of a configured agent`);
  problems.push(...textProblems('reason', detail.reason, MAX_REASON_LENGTH));
  if (detail.requester !== undefined) problems.push(...textProblems('requester', detail.requester, 128));
  if (problems.length > 0 || !requestId || !agent) throw new InvalidRequestError(problems);

  const now = deps.clock.now();
  const live = await deps.store.get(detail.extends);
  const checked = checkExtension(
    live && { requestId: live.requestId, status: live.status, agentId: live.agentId, accountId: live.accountId, revoked: revocationOf(live) !== undefined, grant: live.grant },
    { extends: detail.extends, agentId: agent.id, minutes: detail.minutes },
    deps.settings,
    now,
  );
  if (!checked.ok || !live?.grant) throw new InvalidRequestError(checked.ok ? [`extends: the grant of ${detail.extends} is not live`] : checked.problems);

  const request: ElevationRequest = {
    requestId,
    accountId: live.accountId,
    accountName: live.accountName,
    role: live.grant.role,
    minutes: detail.minutes,
    reason: detail.reason.trim(),
    // The live grant's plan: the extension's set is scoped as the first one was, and the approver sees so.
    plannedActions: live.plannedActions,
    ...(live.plannedResources ? { plannedResources: live.plannedResources } : {}),
    ...(detail.requester ? { requester: detail.requester.trim() } : {}),
    ...(envelope.data.account ? { sourceAccount: envelope.data.account } : {}),
    requestedAt: now.toISOString(),
    agentId: agent.id,
    agentSource: agentEventSource(agent),
    secretName: live.secretName ?? agentSecretName(agent, live.accountId),
    extension: checked.extension,
  };
  return storeOnce(request, input.executionId, deps, async (stored) => ({ status: 'extension', request: stored }));
}
