import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DECISION_OUTCOMES, END_OUTCOMES } from '../../handlers/core/broker-notification';
import { grantAvailability, grantFacts } from '../../handlers/core/credential-process';
import type { ElevationStatus } from '../../handlers/core/request-status';
import { RATE_LIMITED_CODE } from '../../handlers/core/request-quota';
import { MAX_PLANNED_ACTIONS, MAX_PLANNED_ACTION_LENGTH, MAX_REASON_LENGTH, REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import { type AgentStatus, agentStatus, awaitDecision, endOwnGrant, submitRequest } from '../agent/agent-actions';
import { profileNameFor } from '../agent/aws-profile';
import { readGrant } from '../agent/grant-reader';
import { awaitExtension, submitExtension } from '../agent/grant-extension';
import type { CliContext } from '../context';
import { CliError, classifyAwsError } from '../errors';
import { EXIT, exitCodeName } from '../exit-codes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

const INSTRUCTIONS = [
  'Just-in-time AWS access. Your standing AWS permissions cannot change anything; to work in an account,',
  'call request_elevation with the account, the role, the minutes you need and a reason a human approver',
  'will read (list_access shows what exists). A human approves by email; wait with waitSeconds or poll',
  'elevation_status. Once granted, run AWS commands with the AWS_PROFILE the tools name (for example',
  'AWS_PROFILE=jit-prod aws ...); credentials never pass through this conversation. Call end_elevation as',
  'soon as the work is done.',
].join(' ');

/** A tool result: the facts as JSON text and as structured content. Never secret material. */
function ok(result: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }], structuredContent: result };
}

/** What an agent can do about each kind of error, when the error itself names no better step. */
const NEXT_BY_CODE: Readonly<Partial<Record<string, string>>> = {
  NOT_FOUND: 'Check the requestId (it is the one request_elevation returned); to ask for access, call request_elevation.',
  INVALID_REQUEST: 'Call list_access for the accounts, roles and maximum minutes, then call request_elevation again with values that fit.',
  NOT_ACTIVE: 'Nothing to end. Call elevation_status to see where the request stands, or request_elevation for new access.',
  REFUSED: 'Only the holder of a grant can end it; leave it to expire, or ask an approver to revoke it.',
  DENIED: 'Do not retry the same request; read the reason, and ask the approver or change the request.',
  EXPIRED: 'Nobody decided in time: call request_elevation again, or ask an approver directly.',
  REJECTED: 'Call list_access and send a request that fits the broker config.',
  BROKER_FAILED: 'Nothing was granted; tell the operator. Retrying may work once the broker is fixed.',
  GRANT_ALREADY_LIVE: 'A grant of yours is live in this account: use it, call extend_elevation on it for more time, or call end_elevation on it and then request_elevation again.',
  RATE_LIMITED: 'You are over your request limits: wait for one of your pending requests to be decided (elevation_status), or for the next hour, before calling request_elevation again. Do not retry in a loop.',
  WAIT_TIMEOUT: 'Call elevation_status with the requestId and waitSeconds to keep waiting.',
  AWS_ACCESS: 'Check the MCP server setup (config, credentials, endpoint) in docs/agent.md; a person has to fix it.',
  CONFIG: 'The jit config could not be read; a person has to fix the MCP server setup (docs/agent.md).',
};

/**
 * The error code an ended request's status stands for, as `jit request --wait` exits with it: the agent
 * is told the same next step whether it learns the outcome as a status or as a tool error.
 */
const CODE_OF_STATUS: Readonly<Partial<Record<ElevationStatus, keyof typeof EXIT>>> = {
  DENIED: 'DENIED',
  APPROVAL_EXPIRED: 'EXPIRED',
  REJECTED: 'REJECTED',
  FAILED: 'BROKER_FAILED',
  REFUSED: 'GRANT_ALREADY_LIVE',
};

function failure(error: unknown, endpoint?: string): CallToolResult {
  const cliError = error instanceof CliError ? error : classifyAwsError(error, endpoint);
  if (!cliError) throw error;
  const code = exitCodeName(cliError.exitCode);
  const next = NEXT_BY_CODE[code] ?? cliError.hint ?? 'Report this error to a person; retrying will not help.';
  const body = { error: { code, message: cliError.message, ...(cliError.hint ? { hint: cliError.hint } : {}), ...cliError.details }, next };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(body, null, 2) }], structuredContent: body };
}

async function guardedAt(run: () => Promise<CallToolResult>, endpoint?: string): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    return failure(error, endpoint);
  }
}

/** What the agent should do next, for each status of `elevation_status`. */
function nextForStatus(status: ElevationStatus, active: boolean, facts: AgentStatus): string {
  if (active) return `Run AWS commands with AWS_PROFILE=${facts.profile} until ${facts.grant?.expiresAt}; call end_elevation when done.`;
  // A refusal is either the lease's (a grant is live) or the request limits'; only the event's code tells them apart.
  const rateLimited = status === 'REFUSED' && facts.outcomes.at(-1)?.code === RATE_LIMITED_CODE;
  const code = rateLimited ? 'RATE_LIMITED' : CODE_OF_STATUS[status];
  const next = code ? NEXT_BY_CODE[code] : undefined;
  if (next) return next;
  switch (status) {
    case 'REQUESTED':
    case 'REGISTERED':
    case 'PENDING_APPROVAL':
    case 'APPROVED':
      return `Not decided yet; call elevation_status again with requestId ${facts.requestId} and waitSeconds (up to 300).`;
    case 'GRANTED':
      return 'The grant has expired. Call request_elevation if you need more time.';
    default:
      return 'The grant is over. Call request_elevation if you need access again.';
  }
}

/**
 * The MCP server of `jit mcp`: five tools over the same actions as the CLI, with the agent's own
 * credentials. Results carry ids, outcomes, expiries and the AWS profile to use — never keys: the
 * agent's AWS tools fetch those themselves through `credential_process`.
 */
export function createJitMcpServer(ctx: CliContext): McpServer {
  const server = new McpServer({ name: 'jit', version }, { instructions: INSTRUCTIONS });
  const guarded = (run: () => Promise<CallToolResult>) => guardedAt(run, ctx.options.endpoint);
  /** Accounts of the requests this server sent, so status can look at the right secret. */
  const accountOf = new Map<string, string>();

  server.registerTool(
    'list_access',
    {
      title: 'List requestable access',
      description: 'Accounts and roles you may request, with default and maximum minutes, the AWS_PROFILE of each account, and any grant active now.',
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    () =>
      guarded(async () => {
        const now = ctx.clock.now();
        const accounts = [];
        for (const account of ctx.settings().accounts) {
          const availability = grantAvailability(await readGrant(ctx.clients().secretsManager(), account.id, ctx.grantSecretName(account.id)), now);
          accounts.push({
            account: account.name,
            accountId: account.id,
            profile: profileNameFor(account),
            roles: account.roles.map((r) => ({ role: r.name, defaultMinutes: r.defaultMinutes, maxMinutes: r.maxMinutes, ...(r.description ? { description: r.description } : {}) })),
            activeGrant: availability.kind === 'active' ? grantFacts(availability.secret) : null,
          });
        }
        return ok({
          accounts,
          approvalWindowMinutes: ctx.settings().approvalWindowMinutes,
          next: accounts.some((a) => a.activeGrant)
            ? 'A grant is active: run AWS commands with that account\'s AWS_PROFILE, or call request_elevation for another.'
            : 'Call request_elevation with an account, a role, the minutes you need and a reason.',
        });
      }),
  );

  server.registerTool(
    'request_elevation',
    {
      title: 'Request elevated access',
      description:
        'Ask a human approver for a role in an account for some minutes. Returns the request id; with waitSeconds > 0 it waits that long for the decision. When granted, use the returned AWS_PROFILE.',
      inputSchema: {
        account: z.string().min(1).max(64).describe('account name or 12-digit id (see list_access)'),
        role: z.string().min(1).max(64).describe('role name, or its IAM role name such as AgentElevated-Ops (see list_access)'),
        minutes: z.number().int().min(1).max(60).optional().describe("minutes needed (default: the role's default)"),
        reason: z.string().min(1).max(MAX_REASON_LENGTH).describe('why, for the approver'),
        plannedActions: z.array(z.string().min(1).max(MAX_PLANNED_ACTION_LENGTH)).max(MAX_PLANNED_ACTIONS).optional().describe('what you plan to do; IAM actions such as "ecs:UpdateService" limit the grant to exactly those (free text limits nothing)'),
        plannedResources: z
          .record(z.string(), z.array(z.string().min(1).max(512)).min(1).max(10))
          .optional()
          .describe('optional: ARNs per planned IAM action, e.g. {"ecs:UpdateService": ["arn:aws:ecs:eu-west-1:222222222222:service/prod/payments"]}; the grant allows that action on those only'),
        waitSeconds: z.number().int().min(0).max(900).optional().describe('how long to wait for the decision (default 0: return at once)'),
      },
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    (input) =>
      guarded(async () => {
        const submitted = await submitRequest(ctx, {
          account: input.account,
          role: input.role,
          reason: input.reason,
          ...(input.minutes !== undefined ? { minutes: input.minutes } : {}),
          ...(input.plannedActions ? { plannedActions: input.plannedActions } : {}),
          ...(input.plannedResources ? { plannedResources: input.plannedResources } : {}),
        });
        accountOf.set(submitted.requestId, submitted.accountId);
        const wait = input.waitSeconds ?? 0;
        if (wait === 0) {
          return ok({ ...submitted, status: 'REQUESTED' satisfies ElevationStatus, next: `Call elevation_status with requestId ${submitted.requestId} (waitSeconds up to 300) until it is granted.` });
        }
        const granted = await awaitDecision(ctx, submitted.requestId, ctx.account(submitted.accountId), wait * 1000, undefined, submitted.contentDigest);
        return ok({ ...granted, next: `Run AWS commands with AWS_PROFILE=${granted.profile}; call end_elevation when done.` });
      }),
  );

  server.registerTool(
    'elevation_status',
    {
      title: 'Status of an elevation request',
      description: 'What the broker has said about a request (pending, granted, denied, expired, ended, revoked) and whether its grant is active, with the AWS_PROFILE to use.',
      inputSchema: {
        requestId: z.string().regex(REQUEST_ID_PATTERN).describe('the id request_elevation returned'),
        waitSeconds: z.number().int().min(0).max(300).optional().describe('wait up to this long for a decision or an end (default 2)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (input) =>
      guarded(async () => {
        const hint = accountOf.get(input.requestId);
        const status = await agentStatus(ctx, input.requestId, {
          listenMs: (input.waitSeconds ?? 2) * 1000,
          until: new Set([...DECISION_OUTCOMES, ...END_OUTCOMES, 'Revoked']),
          ...(hint ? { accountHint: hint } : {}),
        });
        if (status.status === undefined && !hint) {
          // Nothing was ever heard of this id: a typo or a request of another host. Polling would never end.
          throw new CliError(
            `Nothing is known about request ${input.requestId}: no broker event for it reached this agent, and no account secret holds its grant.`,
            EXIT.NOT_FOUND,
            undefined,
            { details: { requestId: input.requestId } },
          );
        }
        const active = status.grant?.active === true;
        const current: ElevationStatus = status.status ?? 'REQUESTED';
        return ok({ ...status, status: current, next: nextForStatus(current, active, status) });
      }),
  );

  server.registerTool(
    'extend_elevation',
    {
      title: 'Ask for more time on a live grant',
      description:
        'Ask a human approver for more minutes on your live grant (approved like a request). Returns the extension id; with waitSeconds > 0 it waits that long for the decision. Approved, the same AWS_PROFILE picks up new credentials at its next refresh; denied, the grant goes on unchanged until its expiry.',
      inputSchema: {
        requestId: z.string().regex(REQUEST_ID_PATTERN).describe('the live request to extend'),
        minutes: z.number().int().min(1).max(60).describe("minutes to add (at most the role's maximum)"),
        reason: z.string().min(1).max(MAX_REASON_LENGTH).describe('why more time is needed, for the approver'),
        waitSeconds: z.number().int().min(0).max(900).optional().describe('how long to wait for the decision (default 0: return at once)'),
      },
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    (input) =>
      guarded(async () => {
        const submitted = await submitExtension(ctx, { requestId: input.requestId, minutes: input.minutes, reason: input.reason });
        accountOf.set(submitted.extensionId, submitted.accountId);
        const wait = input.waitSeconds ?? 0;
        if (wait === 0) {
          return ok({
            ...submitted,
            status: 'REQUESTED' satisfies ElevationStatus,
            next: `Keep using AWS_PROFILE=${submitted.profile} until ${submitted.expiresAt}; call elevation_status with requestId ${submitted.extensionId} (waitSeconds up to 300) for the decision.`,
          });
        }
        const extended = await awaitExtension(ctx, submitted, wait * 1000);
        return ok({ ...extended, next: `Keep using AWS_PROFILE=${extended.profile}, now until ${extended.expiresAt}; call end_elevation on ${submitted.extends} when done.` });
      }),
  );

  server.registerTool(
    'end_elevation',
    {
      title: 'Give back a grant',
      description: 'End your own active grant early, as soon as the work is done. Only the holder of a grant can end it.',
      inputSchema: { requestId: z.string().regex(REQUEST_ID_PATTERN).describe('the granted request') },
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    (input) =>
      guarded(async () => {
        const hint = accountOf.get(input.requestId);
        const ended = await endOwnGrant(ctx, input.requestId, { timeoutMs: 60_000, ...(hint ? { account: hint } : {}) });
        return ok({ ...ended, next: 'The grant is over: its credentials no longer work. Call request_elevation if you need access again.' });
      }),
  );

  return server;
}
