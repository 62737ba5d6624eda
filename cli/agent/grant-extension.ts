import { randomUUID } from 'node:crypto';
import type { BrokerNotification } from '../../handlers/core/broker-notification';
import type { TargetAccount } from '../../handlers/core/broker-settings';
import { displayTextProblem } from '../../handlers/core/display-text';
import { MAX_REASON_LENGTH } from '../../handlers/core/elevation-request';
import { type ExtensionRequestDetail, extendedExpiry } from '../../handlers/core/grant-extension';
import { STATUS_OF_OUTCOME } from '../../handlers/core/request-status';
import type { BrokerOutcome } from '../../handlers/core/broker-event';
import { BROKER_NAMES } from '../../handlers/core/resource-names';
import { agentEventSource } from '../../handlers/core/agents';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { profileNameFor } from './aws-profile';
import { publishExtensionRequest } from './elevation-requests';
import { readGrant } from './grant-reader';
import { waitForOutcome } from './wait-for-outcome';

/**
 * Asking for more time on a live grant (docs/agent.md#extending-a-live-grant), shared by `jit extend` and
 * the MCP server's `extend_elevation`. The broker decides (Register and the mint check it again); this
 * side refuses early what it can see: the grant must be in the agent's own secret and not past its expiry.
 */

export interface ExtensionInput {
  /** The live request to extend. */
  readonly requestId: string;
  readonly minutes: number;
  readonly reason: string;
  readonly extensionId?: string;
  readonly requester?: string;
}

export interface SubmittedExtension {
  readonly extensionId: string;
  readonly extends: string;
  readonly account: string;
  readonly accountId: string;
  readonly minutes: number;
  /** The live grant's expiry now, and what it becomes if the extension is approved now. */
  readonly expiresAt: string;
  readonly wouldExpireAt: string;
  readonly profile: string;
}

/** Outcomes that settle an extension's wait. */
export const EXTENSION_OUTCOMES: ReadonlySet<BrokerOutcome> = new Set(['Extended', 'Denied', 'Approval Expired', 'Rejected', 'Failed', 'Refused']);

/** Finds the live grant in the agent's own secrets, sends the extension request, and returns what was sent. */
export async function submitExtension(ctx: CliContext, input: ExtensionInput): Promise<SubmittedExtension> {
  const problems = [
    ...(Number.isInteger(input.minutes) && input.minutes >= 1 ? [] : [`minutes: must be a whole number of at least 1 (got ${input.minutes})`]),
    ...(input.reason.trim().length === 0 ? ['reason: must not be empty'] : []),
    ...(input.reason.trim().length > MAX_REASON_LENGTH ? [`reason: must be at most ${MAX_REASON_LENGTH} characters`] : []),
  ];
  const unsafe = displayTextProblem('reason', input.reason.trim());
  if (unsafe) problems.push(unsafe);
  if (problems.length > 0) throw new CliError(`Nothing was requested: ${problems.join('; ')}.`, EXIT.INVALID_REQUEST);

  const now = ctx.clock.now();
  let live: { account: TargetAccount; expiresAt: string } | undefined;
  for (const account of ctx.settings().accounts) {
    const state = await readGrant(ctx.clients().secretsManager(), account.id, ctx.grantSecretName(account.id));
    if (state.status === 'active' && state.value.RequestId === input.requestId) live = { account, expiresAt: state.value.Expiration };
  }
  if (!live || Date.parse(live.expiresAt) <= now.getTime()) {
    throw new CliError(
      `Nothing was requested: no live grant of ${input.requestId} in your secrets; only a live grant can be extended.`,
      EXIT.NOT_ACTIVE,
      'Ask for a new grant: jit request --account <account> --role <role> --reason "..."',
      { details: { requestId: input.requestId } },
    );
  }
  const detail: ExtensionRequestDetail = {
    requestId: input.extensionId ?? randomUUID(),
    extends: input.requestId,
    minutes: input.minutes,
    reason: input.reason.trim(),
    ...(input.requester ? { requester: input.requester } : {}),
  };
  await publishExtensionRequest(ctx.clients().eventBridge(), BROKER_NAMES.eventBus, detail, agentEventSource(ctx.agent()));
  return {
    extensionId: detail.requestId ?? '',
    extends: input.requestId,
    account: live.account.name,
    accountId: live.account.id,
    minutes: input.minutes,
    expiresAt: live.expiresAt,
    wouldExpireAt: extendedExpiry(live.expiresAt, input.minutes).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    profile: profileNameFor(live.account),
  };
}

export interface ExtendedOutcome {
  readonly extensionId: string;
  readonly extends: string;
  readonly outcome: 'extended';
  readonly status: 'EXTENDED';
  readonly account: string;
  readonly accountId: string;
  readonly expiresAt?: string;
  readonly profile: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The outcome an extension's wait ended with: the new expiry, or a CliError with that outcome's exit code. */
export function settleExtension(notification: BrokerNotification, submitted: SubmittedExtension): ExtendedOutcome {
  const { requestId, detail } = notification;
  const reason = text(detail.reason);
  const status = STATUS_OF_OUTCOME[notification.outcome];
  const details = { requestId, extends: submitted.extends, outcome: notification.outcome, ...(status ? { status } : {}), ...(reason ? { reason } : {}) };
  const untouched = `The grant of ${submitted.extends} is untouched and ends at ${submitted.expiresAt}.`;
  switch (notification.outcome) {
    case 'Extended':
      return {
        extensionId: requestId,
        extends: submitted.extends,
        outcome: 'extended',
        status: 'EXTENDED',
        account: submitted.account,
        accountId: submitted.accountId,
        ...(text(detail.expiresAt) ? { expiresAt: text(detail.expiresAt) } : {}),
        profile: submitted.profile,
      };
    case 'Denied':
      throw new CliError(`Extension ${requestId} was denied${reason ? `: ${reason}` : '.'}`, EXIT.DENIED, untouched, { details });
    case 'Approval Expired':
      throw new CliError(`Nobody decided extension ${requestId} within the approval window.`, EXIT.EXPIRED, untouched, { details });
    case 'Rejected':
      throw new CliError(`The broker rejected extension ${requestId}${reason ? `: ${reason}` : '.'}`, EXIT.REJECTED, untouched, { details });
    case 'Refused':
      throw new CliError(`The broker refused extension ${requestId}${reason ? `: ${reason}` : '.'}`, EXIT.REFUSED, untouched, { details });
    default:
      throw new CliError(`The broker could not extend ${submitted.extends}${reason ? `: ${reason}` : '.'}`, EXIT.BROKER_FAILED, untouched, { details });
  }
}

/** Waits on the notification queue for the extension's outcome. */
export async function awaitExtension(ctx: CliContext, submitted: SubmittedExtension, timeoutMs: number, onNotification?: (n: BrokerNotification) => void): Promise<ExtendedOutcome> {
  const outcome = await waitForOutcome({
    requestId: submitted.extensionId,
    outcomes: EXTENSION_OUTCOMES,
    inbox: ctx.inbox(),
    mailbox: ctx.mailbox(),
    clock: ctx.clock,
    timeoutMs,
    ...(onNotification ? { onNotification } : {}),
  });
  if (!outcome) {
    throw new CliError(`No outcome for extension ${submitted.extensionId} within ${Math.round(timeoutMs / 1000)} seconds; it may still be decided.`, EXIT.WAIT_TIMEOUT, `Check later with: jit status ${submitted.extensionId}`, {
      details: { requestId: submitted.extensionId },
    });
  }
  return settleExtension(outcome, submitted);
}
