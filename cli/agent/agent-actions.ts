import { randomUUID } from 'node:crypto';
import { type BrokerNotification, DECISION_OUTCOMES, END_OUTCOMES } from '../../handlers/core/broker-notification';
import { findRole, type TargetAccount } from '../../handlers/core/broker-settings';
import { grantFacts, type GrantFacts } from '../../handlers/core/credential-process';
import type { ElevationRequestDetail } from '../../handlers/core/elevation-request';
import type { BrokerOutcome } from '../../handlers/core/broker-event';
import { requestDigest } from '../../handlers/core/registration';
import { type ElevationStatus, statusAfter } from '../../handlers/core/request-status';
import type { ActiveSecret } from '../../handlers/core/secret-value';
import { BROKER_NAMES } from '../../handlers/core/resource-names';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { profileNameFor } from './aws-profile';
import { checkRequest, publishEndRequest, publishRequest } from './elevation-requests';
import { readGrant } from './grant-reader';
import { signIdentityProof } from './identity-proof-signer';
import { type GrantedOutcome, settleDecision } from './request-outcome';
import { waitForOutcome } from './wait-for-outcome';
import { agentEventSource } from '../../handlers/core/agents';

/**
 * What the agent does, shared by the `jit` commands and the MCP server: each takes the context,
 * returns facts without secret material, and throws a CliError with the exit code of its outcome.
 */

export interface ElevationInput {
  readonly account: string;
  readonly role: string;
  readonly minutes?: number;
  readonly reason: string;
  readonly plannedActions?: readonly string[];
  /** ARN patterns per planned IAM action: the grant allows that action on those only. */
  readonly plannedResources?: Readonly<Record<string, readonly string[]>>;
  readonly requestId?: string;
  readonly requester?: string;
}

export interface SubmittedRequest {
  readonly requestId: string;
  readonly account: string;
  readonly accountId: string;
  readonly role: string;
  readonly minutes: number;
  readonly profile: string;
  /**
   * The digest of what was asked for (handlers/core/registration.ts): an `Elevation Duplicate Refused`
   * event carrying it is the answer to this request, one carrying another digest is about someone else's.
   */
  readonly contentDigest: string;
}

/** Checks a request against the config as the broker will, then publishes it. Nothing is sent when it does not fit. */
export async function submitRequest(ctx: CliContext, input: ElevationInput): Promise<SubmittedRequest> {
  const account = ctx.account(input.account);
  const role = findRole(account, input.role);
  const detail: ElevationRequestDetail = {
    requestId: input.requestId ?? randomUUID(),
    account: account.id,
    role: role?.name ?? input.role,
    minutes: input.minutes ?? role?.defaultMinutes ?? 1,
    reason: input.reason,
    ...(input.plannedActions ? { plannedActions: [...input.plannedActions] } : {}),
    ...(input.plannedResources ? { plannedResources: Object.fromEntries(Object.entries(input.plannedResources).map(([a, r]) => [a, [...r]])) } : {}),
    ...(input.requester ? { requester: input.requester } : {}),
  };
  const source = agentEventSource(ctx.agent());
  const checked = checkRequest(detail, ctx.settings(), ctx.clock.now(), source);
  if (!checked.ok) {
    throw new CliError(
      `Nothing was requested: ${checked.problems.join('; ')}.`,
      EXIT.INVALID_REQUEST,
      `Roles for ${account.name}: ${account.roles.map((r) => `${r.name} (up to ${r.maxMinutes} min)`).join(', ')}.`,
    );
  }
  await publishRequest(ctx.clients().eventBridge(), BROKER_NAMES.eventBus, detail, source);
  return {
    requestId: checked.value.requestId,
    account: account.name,
    accountId: account.id,
    role: checked.value.role,
    minutes: checked.value.minutes,
    profile: profileNameFor(account),
    contentDigest: requestDigest(checked.value),
  };
}

/** The outcomes that end a wait for a decision: a decision, or the refusal of this very request as a duplicate. */
const WAIT_OUTCOMES: ReadonlySet<BrokerOutcome> = new Set([...DECISION_OUTCOMES, 'Duplicate Refused']);

/** Waits for a request's decision on the notification queue; the grant's facts, or a CliError. */
export async function awaitDecision(
  ctx: CliContext,
  requestId: string,
  account: TargetAccount,
  timeoutMs: number,
  onNotification?: (n: BrokerNotification) => void,
  contentDigest?: string,
): Promise<GrantedOutcome> {
  const outcome = await waitForOutcome({
    requestId,
    outcomes: WAIT_OUTCOMES,
    // A Duplicate Refused answers this request only when it carries this request's digest; without one
    // known (a caller that did not submit it), none does.
    accepts: (n) => n.outcome !== 'Duplicate Refused' || (contentDigest !== undefined && n.detail.contentDigest === contentDigest),
    inbox: ctx.inbox(),
    mailbox: ctx.mailbox(),
    clock: ctx.clock,
    timeoutMs,
    ...(onNotification ? { onNotification } : {}),
  });
  if (!outcome) {
    throw new CliError(
      `No outcome for ${requestId} within ${Math.round(timeoutMs / 1000)} seconds; it may still be decided.`,
      EXIT.WAIT_TIMEOUT,
      `Check later with: jit status ${requestId}`,
      { details: { requestId } },
    );
  }
  return settleDecision(outcome, account);
}

/** Finds the account whose secret holds this request's grant, with the agent's own standing read. */
async function findGrant(ctx: CliContext, requestId: string, accounts: readonly TargetAccount[]): Promise<{ account: TargetAccount; secret: ActiveSecret } | undefined> {
  for (const account of accounts) {
    const state = await readGrant(ctx.clients().secretsManager(), account.id, ctx.grantSecretName(account.id));
    if (state.status === 'active' && state.value.RequestId === requestId) return { account, secret: state.value };
  }
  return undefined;
}

export interface EndedGrant {
  readonly requestId: string;
  readonly outcome: 'ended';
  readonly status: 'ENDED';
  readonly account: string;
  readonly accountId: string;
  readonly revokedAt?: string;
  readonly alreadyEnded: boolean;
}

/**
 * Gives back the agent's own grant: signs a GetCallerIdentity with the grant's own credentials (the
 * proof it holds the grant), sends `Elevation End Requested`, drops the local credential cache, and
 * waits for the broker's answer on the notification queue.
 */
export async function endOwnGrant(ctx: CliContext, requestId: string, options: { account?: string; timeoutMs: number }): Promise<EndedGrant> {
  const accounts = options.account ? [ctx.account(options.account)] : ctx.settings().accounts;
  const found = await findGrant(ctx, requestId, accounts);
  if (!found) {
    throw new CliError(`Nothing to end: no account secret holds the grant of ${requestId} (it is over, or was never granted).`, EXIT.NOT_ACTIVE);
  }
  const { account, secret } = found;
  ctx.credentialsCache().drop(ctx.config().config.hub.account, account.id);
  const clients = ctx.clients();
  const proof = await signIdentityProof({
    credentials: { accessKeyId: secret.AccessKeyId, secretAccessKey: secret.SecretAccessKey, sessionToken: secret.SessionToken },
    endpoint: clients.stsEndpoint(),
    region: ctx.region(),
    purpose: 'end',
    requestId,
    signingDate: ctx.clock.now(),
  });
  await publishEndRequest(clients.eventBridge(), BROKER_NAMES.eventBus, requestId, proof, agentEventSource(ctx.agent()));
  const answer = await waitForOutcome({ requestId, outcomes: END_OUTCOMES, inbox: ctx.inbox(), mailbox: ctx.mailbox(), clock: ctx.clock, timeoutMs: options.timeoutMs });
  if (!answer) {
    throw new CliError(`The broker did not confirm the end of ${requestId} in time.`, EXIT.WAIT_TIMEOUT, `Check with: jit status ${requestId}`, { details: { requestId } });
  }
  if (answer.outcome === 'Ended') {
    return {
      requestId,
      outcome: 'ended',
      status: 'ENDED',
      account: account.name,
      accountId: account.id,
      ...(typeof answer.detail.revokedAt === 'string' ? { revokedAt: answer.detail.revokedAt } : {}),
      alreadyEnded: answer.detail.alreadyEnded === true,
    };
  }
  const reason = typeof answer.detail.reason === 'string' ? answer.detail.reason : 'refused';
  if (answer.detail.code === 'not-active') throw new CliError(`Nothing to end: ${reason}.`, EXIT.NOT_ACTIVE, undefined, { details: { requestId } });
  throw new CliError(`The broker refused to end ${requestId}: ${reason}.`, EXIT.REFUSED, undefined, { details: { requestId } });
}

export interface AgentStatus {
  readonly requestId: string;
  /**
   * Where the request stands, in the one status vocabulary (handlers/core/request-status.ts): from the
   * outcomes the agent was told, `GRANTED` while the secret holds the grant; absent when nothing is known.
   */
  readonly status?: ElevationStatus;
  /** The latest outcome the agent was told (the broker event's name, e.g. `Pending Approval`), if any. */
  readonly lastOutcome?: BrokerNotification['outcome'];
  /** Each outcome told, with the broker's `code` when it gave one (e.g. `RATE_LIMITED` on `Refused`). */
  readonly outcomes: ReadonlyArray<{ readonly outcome: string; readonly time?: string; readonly reason?: string; readonly code?: string }>;
  readonly account?: string;
  readonly accountId?: string;
  /** Set when the account's secret holds this request's grant. */
  readonly grant?: GrantFacts & { readonly active: boolean };
  readonly profile?: string;
}

/**
 * What the agent can know about a request with only its standing permissions: the outcomes on its
 * notification queue (and those other jit processes of this user already received), and whether the
 * account's secret holds this request's grant now.
 */
export async function agentStatus(
  ctx: CliContext,
  requestId: string,
  options: { listenMs: number; accountHint?: string; until?: ReadonlySet<BrokerNotification['outcome']> },
): Promise<AgentStatus> {
  const mailbox = ctx.mailbox();
  await waitForOutcome({ requestId, outcomes: options.until ?? new Set(), inbox: ctx.inbox(), mailbox, clock: ctx.clock, timeoutMs: options.listenMs, pollSeconds: 1 });
  const events = mailbox.list(requestId);
  const last = events.at(-1);
  const accountRef = typeof last?.detail.account === 'string' ? last.detail.account : options.accountHint;
  const account = accountRef ? ctx.settings().accounts.find((a) => a.id === accountRef || a.name === accountRef) : undefined;
  let grant: AgentStatus['grant'];
  if (account) {
    const state = await readGrant(ctx.clients().secretsManager(), account.id, ctx.grantSecretName(account.id));
    if (state.status === 'active' && state.value.RequestId === requestId) {
      grant = { ...grantFacts(state.value), active: Date.parse(state.value.Expiration) > ctx.clock.now().getTime() };
    }
  }
  const told = statusAfter(events.map((e) => e.outcome));
  const status = grant?.active === true && (told === undefined || told === 'PENDING_APPROVAL' || told === 'APPROVED') ? 'GRANTED' : told;
  return {
    requestId,
    ...(status ? { status } : {}),
    ...(last ? { lastOutcome: last.outcome } : {}),
    outcomes: events.map((e) => ({ outcome: e.outcome, ...(e.time ? { time: e.time } : {}), ...(typeof e.detail.reason === 'string' ? { reason: e.detail.reason } : {}), ...(typeof e.detail.code === 'string' ? { code: e.detail.code } : {}) })),
    ...(account ? { account: account.name, accountId: account.id, profile: profileNameFor(account) } : {}),
    ...(grant ? { grant } : {}),
  };
}
