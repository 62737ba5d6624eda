import type { BrokerNotification } from '../../handlers/core/broker-notification';
import type { TargetAccount } from '../../handlers/core/broker-settings';
import { STATUS_OF_OUTCOME } from '../../handlers/core/request-status';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { profileNameFor } from './aws-profile';

/** What an agent needs to know about a granted request; no secret material. */
export interface GrantedOutcome {
  readonly requestId: string;
  readonly outcome: 'granted';
  /** In the one status vocabulary (handlers/core/request-status.ts). */
  readonly status: 'GRANTED';
  readonly account: string;
  readonly accountId: string;
  readonly role?: string;
  readonly minutes?: number;
  readonly expiresAt?: string;
  /** The AWS profile whose `credential_process` hands out this grant. */
  readonly profile: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Turns the outcome a wait ended with into the command's result: the grant's facts, or a CliError with
 * the exit code of that outcome (docs/cli.md).
 */
export function settleDecision(notification: BrokerNotification, account: TargetAccount): GrantedOutcome {
  const { requestId, detail } = notification;
  const reason = text(detail.reason);
  const status = STATUS_OF_OUTCOME[notification.outcome];
  const details = { requestId, outcome: notification.outcome, ...(status ? { status } : {}), ...(reason ? { reason } : {}) };
  switch (notification.outcome) {
    case 'Granted':
      return {
        requestId,
        outcome: 'granted',
        status: 'GRANTED',
        account: account.name,
        accountId: account.id,
        ...(text(detail.role) ? { role: text(detail.role) } : {}),
        ...(typeof detail.minutes === 'number' ? { minutes: detail.minutes } : {}),
        ...(text(detail.expiresAt) ? { expiresAt: text(detail.expiresAt) } : {}),
        profile: profileNameFor(account),
      };
    case 'Denied':
      throw new CliError(`Request ${requestId} was denied${reason ? `: ${reason}` : '.'}`, EXIT.DENIED, undefined, { details });
    case 'Approval Expired':
      throw new CliError(`Nobody decided request ${requestId} within the approval window.`, EXIT.EXPIRED, 'Send a new request, or ask an approver directly.', {
        details,
      });
    case 'Rejected':
      throw new CliError(`The broker rejected request ${requestId}${reason ? `: ${reason}` : '.'}`, EXIT.REJECTED, 'Check the request against: jit roles', {
        details,
      });
    case 'Refused':
      throw new CliError(`The broker refused request ${requestId}${reason ? `: ${reason}` : '.'}`, EXIT.GRANT_ALREADY_LIVE, 'One grant per agent and account at a time: end the live one first (jit end <requestId>).', {
        details,
      });
    case 'Duplicate Refused':
      throw new CliError(
        `Request id ${requestId} is already used by a different request; this one was not registered, and the other goes on.`,
        EXIT.DUPLICATE_REFUSED,
        'Send it again with a new --request-id, or without one (jit picks a fresh id).',
        { details },
      );
    default:
      throw new CliError(`The broker could not grant request ${requestId}${reason ? `: ${reason}` : '.'}`, EXIT.BROKER_FAILED, 'Nothing was granted; ask the operator to look at the broker.', {
        details,
      });
  }
}

export function grantedText(g: GrantedOutcome): string {
  return (
    `Granted ${g.requestId}: ${g.role ?? 'the role'} in ${g.account}${g.expiresAt ? ` until ${g.expiresAt}` : ''}.\n` +
    `Use AWS_PROFILE=${g.profile}, or: jit exec --account ${g.account} -- <command>`
  );
}
