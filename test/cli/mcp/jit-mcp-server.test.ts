import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CliContext } from '../../../cli/context';
import { ELEVATION_STATUSES } from '../../../handlers/core/request-status';
import { createJitMcpServer } from '../../../cli/mcp/jit-mcp-server';
import { AgentWorld } from '../../helpers/agent-world';
import { CapturedIo } from '../../helpers/captured-io';
import { startWorkflowOnRequests } from '../../helpers/live-grant';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { pendingTaskToken, runElevation } from '../../helpers/elevation-harness';

const sfn = new SFNClient({ region: 'eu-west-1' });
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

describe('MCP: jit mcp tools through an in-process MCP client', () => {
  let world: AgentWorld;
  let client: Client;
  /** Every tool result text, to check that none carries secret material. */
  const results: string[] = [];

  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === 'text' ? c.text : JSON.stringify(c))).join('\n');
    results.push(text, JSON.stringify(result.structuredContent ?? {}));
    return { result, body: JSON.parse(text) as Record<string, unknown> };
  };

  beforeEach(async () => {
    world = await new AgentWorld().start();
    const ctx = new CliContext({ config: EXAMPLE_CONFIG, endpoint: world.sts.url }, new CapturedIo(), world.clock);
    const server = createJitMcpServer(ctx);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'test-host', version: '1.0.0' });
    await client.connect(clientSide);
  });
  afterEach(async () => {
    await client.close();
    await world.stop();
  });

  it('offers the five agent tools, with instructions that name AWS_PROFILE', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['elevation_status', 'end_elevation', 'extend_elevation', 'list_access', 'request_elevation']);
    expect(client.getInstructions()).toContain('AWS_PROFILE=jit-prod');
    const request = tools.find((t) => t.name === 'request_elevation');
    expect(request?.inputSchema.required?.sort()).toEqual(['account', 'reason', 'role']);
  });

  it('requests, waits for the grant, reports status, and ends it, without ever returning secret material', async () => {
    // Prepare: the real workflow runs for every request; the approver approves.
    const executions = startWorkflowOnRequests(world);

    // Act 1: what may be requested.
    const access = await call('list_access');
    expect(access.body.accounts).toEqual(
      expect.arrayContaining([expect.objectContaining({ account: 'prod', accountId: '222222222222', profile: 'jit-prod', activeGrant: null })]),
    );

    // Act 2: request and wait; the approver approves meanwhile.
    const requested = call('request_elevation', {
      account: 'prod',
      role: 'Ops',
      minutes: 15,
      reason: 'Restart the stuck payment worker',
      plannedActions: ['ecs:UpdateService payments-worker'],
      waitSeconds: 20,
    });
    await new Promise((r) => setTimeout(r, 100));
    const [requestId, execution] = [...executions.entries()][0];
    await execution.approve();
    const granted = await requested;

    // Assess 2
    expect(granted.result.isError).toBeFalsy();
    expect(granted.body).toMatchObject({ requestId, status: 'GRANTED', account: 'prod', role: 'Ops', profile: 'jit-prod', expiresAt: expect.any(String) });
    expect(String(granted.body.next)).toContain('AWS_PROFILE=jit-prod');
    await execution.granted;

    // Act 3: status, and what list_access says now.
    const status = await call('elevation_status', { requestId, waitSeconds: 0 });
    expect(status.body).toMatchObject({ requestId, status: 'GRANTED', profile: 'jit-prod', grant: { active: true, requestId, roleName: 'AgentElevated-Ops' } });
    const during = await call('list_access');
    expect((during.body.accounts as Array<Record<string, unknown>>)[0].activeGrant).toMatchObject({ requestId, roleName: 'AgentElevated-Ops' });

    // Act 4: give it back.
    const ended = await call('end_elevation', { requestId });
    expect(ended.result.isError).toBeFalsy();
    expect(ended.body).toMatchObject({ requestId, status: 'ENDED', account: 'prod', next: expect.stringContaining('request_elevation') });
    expect(world.aws.table.items.get(requestId)).toMatchObject({ status: 'ENDED' });
    const after = await call('elevation_status', { requestId, waitSeconds: 0 });
    expect(after.body).toMatchObject({ lastOutcome: 'Ended', status: 'ENDED' });
    await execution.finish();

    // Assess: every result said what to do next, and every status was a word of the one vocabulary.
    for (const body of [access.body, granted.body, status.body, during.body, ended.body, after.body]) expect(body.next).toEqual(expect.any(String));
    for (const body of [granted.body, status.body, ended.body, after.body]) expect(ELEVATION_STATUSES).toContain(body.status);

    // Assess: not one tool result carried a key, a secret key or a session token.
    const minted = world.aws.minted[0];
    const everything = results.join('\n');
    for (const secret of [minted.accessKeyId, minted.secretAccessKey, minted.sessionToken]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/SecretAccessKey|SessionToken|AccessKeyId|accessKeyId/);
  });

  it('extends a live grant: the extension is approved, the same profile now lasts longer, and no result carries secret material', async () => {
    // Prepare: a live grant, and the workflow started for every extension the agent sends.
    const executions = startWorkflowOnRequests(world);
    const extensions: Array<Promise<unknown>> = [];
    world.aws.rules.push((event) => {
      if (event.detailType !== 'Elevation Extension Requested') return;
      extensions.push(runElevation(world.aws, { version: '0', id: event.id, 'detail-type': event.detailType, source: event.source, account: '111111111111', time: event.time, region: 'eu-west-1', resources: [], detail: event.detail }));
    });
    const requested = call('request_elevation', { account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker', waitSeconds: 20 });
    await new Promise((r) => setTimeout(r, 100));
    const [requestId, execution] = [...executions.entries()][0];
    await execution.approve();
    const granted = await requested;
    await execution.granted;

    // Act: ask for 10 more minutes and wait; the approver approves the extension meanwhile.
    const extending = call('extend_elevation', { requestId, minutes: 10, reason: 'The deploy is still rolling out', waitSeconds: 20 });
    await new Promise((r) => setTimeout(r, 100));
    const extensionId = String(world.aws.events.filter((e) => e.detailType === 'Elevation Extension Requested').at(-1)?.detail.requestId);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await pendingTaskToken(world.aws, extensionId), output: JSON.stringify({ role: 'Ops', minutes: 10, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() }) }));
    const extended = await extending;
    await Promise.all(extensions);

    // Assess
    expect(extended.result.isError).toBeFalsy();
    const newExpiry = new Date(Date.parse(String(granted.body.expiresAt)) + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(extended.body).toMatchObject({ extensionId, extends: requestId, status: 'EXTENDED', profile: 'jit-prod', expiresAt: newExpiry, next: expect.stringContaining('AWS_PROFILE=jit-prod') });
    const status = await call('elevation_status', { requestId, waitSeconds: 0 });
    expect(status.body).toMatchObject({ requestId, grant: { active: true, expiresAt: newExpiry } });
    const refused = await call('extend_elevation', { requestId: 'req-none-00000001', minutes: 5, reason: 'More' });
    expect(refused.result.isError).toBe(true);
    expect(refused.body).toMatchObject({ error: { code: 'NOT_ACTIVE' }, next: expect.any(String) });
    await execution.finish();
    const everything = results.join('\n');
    for (const minted of world.aws.minted) for (const secret of [minted.accessKeyId, minted.secretAccessKey, minted.sessionToken]) expect(everything).not.toContain(secret);
  });

  it('returns a tool error, not a crash, for a request that does not fit the config, and publishes nothing', async () => {
    const { result, body } = await call('request_elevation', { account: 'prod', role: 'Security', minutes: 45, reason: 'too long' });
    expect(result.isError).toBe(true);
    expect(body).toMatchObject({ error: { code: 'INVALID_REQUEST', message: expect.stringContaining('minutes: 45 is more than the 5 allowed for role Security') } });
    // Beyond any role's maximum, the tool's own input schema refuses it.
    const schema = (await client.callTool({ name: 'request_elevation', arguments: { account: 'prod', role: 'Ops', minutes: 61, reason: 'x' } })) as CallToolResult;
    expect(schema.isError).toBe(true);
    expect(world.aws.events).toHaveLength(0);
  });

  it('says there is nothing to end when no grant of the request is active, and what to do instead', async () => {
    const { result, body } = await call('end_elevation', { requestId: 'req-none-00000001' });
    expect(result.isError).toBe(true);
    expect(body).toMatchObject({ error: { code: 'NOT_ACTIVE' }, next: expect.stringContaining('elevation_status') });
  });

  it('answers an unknown request id with an error, not "not decided yet, call again"', async () => {
    const { result, body } = await call('elevation_status', { requestId: 'req-typo-00000001', waitSeconds: 0 });
    expect(result.isError).toBe(true);
    expect(body).toMatchObject({ error: { code: 'NOT_FOUND', requestId: 'req-typo-00000001' }, next: expect.stringContaining('request_elevation') });
    expect(JSON.stringify(body)).not.toMatch(/call elevation_status again/i);
  });

  it('says a request it sent is REQUESTED until the broker answers, and to call again', async () => {
    const sent = await call('request_elevation', { account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' });
    expect(sent.body).toMatchObject({ status: 'REQUESTED', next: expect.stringContaining('elevation_status') });
    const { result, body } = await call('elevation_status', { requestId: String(sent.body.requestId), waitSeconds: 0 });
    expect(result.isError).toBeFalsy();
    expect(body).toMatchObject({ status: 'REQUESTED', next: expect.stringContaining('again') });
  });

  it.each([
    ['over the request limits', { code: 'RATE_LIMITED', reason: 'agent default has 5 requests pending (the limit is 5)' }, 'over your request limits'],
    ['while a grant is live', { reason: 'A grant of this agent is live in prod' }, 'extend_elevation'],
  ])('tells a request refused %s what to do about that refusal', async (_, refusal, next) => {
    // Prepare: the broker refuses the request, with its code when the refusal has one (Elevation Refused).
    world.answerRequests(() => [['Refused', { account: 'prod', ...refusal }]]);
    const sent = await call('request_elevation', { account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' });

    // Act
    const { body } = await call('elevation_status', { requestId: String(sent.body.requestId), waitSeconds: 5 });

    // Assess: the next step fits the refusal; a rate-limited agent is not told a grant of its is live.
    expect(body).toMatchObject({ status: 'REFUSED', next: expect.stringContaining(next) });
  });

  it('gives every tool error a next step', async () => {
    const { body } = await call('request_elevation', { account: 'nowhere', role: 'Ops', reason: 'x' });
    expect(body).toMatchObject({ error: { code: 'INVALID_REQUEST' }, next: expect.stringContaining('list_access') });
  });
});

describe('MCP: jit mcp as a stdio process', () => {
  it('starts with node alone and lists its tools to a stdio MCP client', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js') as typeof import('@modelcontextprotocol/sdk/client/stdio.js');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(REPO_ROOT, 'bin', 'jit.js'), 'mcp'],
      env: { PATH: process.env.PATH ?? '', JIT_CONFIG: EXAMPLE_CONFIG },
      stderr: 'pipe',
    });
    const stdioClient = new Client({ name: 'stdio-host', version: '1.0.0' });
    try {
      await stdioClient.connect(transport);
      const { tools } = await stdioClient.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['elevation_status', 'end_elevation', 'extend_elevation', 'list_access', 'request_elevation']);
      expect(stdioClient.getServerVersion()).toMatchObject({ name: 'jit' });
    } finally {
      await stdioClient.close();
    }
  });
});
