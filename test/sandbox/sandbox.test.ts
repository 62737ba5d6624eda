import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { SecretsManagerVault } from '../../handlers/adapters/aws/secrets-manager-vault';
import type { ActiveSecret } from '../../handlers/core/secret-value';
import { NodeSha256 } from '../../sandbox/http/sigv4';
import { type RunningSandbox, startSandbox } from '../../sandbox/sandbox';
import { defaultFunctionWorkers } from '../../sandbox/engine/function-workers';
import { BROKER_NAMES } from '../../handlers/core/resource-names';
import { EXAMPLE_CONFIG } from '../helpers/synth';
import { ApproverApi } from '../../cli/approvals/approver-api';
import { EXIT } from '../../cli/exit-codes';

const PROD = '222222222222';


function grant(requestId: string, grantId: string): ActiveSecret {
  return {
    AccessKeyId: 'ASIAEXAMPLEEXAMPLE00',
    SecretAccessKey: 'x'.repeat(40),
    SessionToken: 'token',
    Expiration: '2026-11-28T10:15:00Z',
    GrantedFor: 'restart ECS service',
    GrantedMinutes: 15,
    GrantedAt: '2026-11-28T10:00:00Z',
    RoleName: 'AgentElevated-Ops',
    RequestId: requestId,
    GrantId: grantId,
  };
}

describe('Sandbox: AWS APIs over HTTP (in process)', () => {
  let home: string;
  let sandbox: RunningSandbox;
  let environmentBefore: NodeJS.ProcessEnv;
  const client = <T>(make: (config: object) => T, key: 'agent' | 'approver' | 'broker', secret?: string) =>
    make({
      region: 'eu-west-1',
      endpoint: sandbox.url,
      credentials: { accessKeyId: sandbox.keys[key].accessKeyId, secretAccessKey: secret ?? sandbox.keys[key].secretAccessKey },
      maxAttempts: 1,
    });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'jit-sandbox-'));
    environmentBefore = { ...process.env };
    sandbox = await startSandbox({ home, port: 0, timeScale: 1, configFile: EXAMPLE_CONFIG });
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("leaves the process environment as it was: the handlers get theirs from the loader, not from process.env", () => {
    expect(process.env).toEqual(environmentBefore);
  });

  it('answers GetCallerIdentity for each of its keys', async () => {
    const who = await client((c) => new STSClient(c), 'agent').send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/jit-agent' });
    const approver = await client((c) => new STSClient(c), 'approver').send(new GetCallerIdentityCommand({}));
    expect(approver.Arn).toBe('arn:aws:iam::111111111111:user/jit-sandbox-approver');
  });

  it('refuses LookupEvents with MaxResults above 50, as CloudTrail does, instead of clamping it', async () => {
    // @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
    const cloudTrail = client((c) => new CloudTrailClient(c), 'broker');
    await expect(cloudTrail.send(new LookupEventsCommand({ MaxResults: 51 }))).rejects.toMatchObject({ name: 'InvalidMaxResultsException' });
    await expect(cloudTrail.send(new LookupEventsCommand({ MaxResults: 50 }))).resolves.toMatchObject({ Events: expect.any(Array) });
  });

  it('refuses ReceiveMessage with MaxNumberOfMessages above 10, as SQS does, instead of clamping it', async () => {
    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
    const sqs = client((c) => new SQSClient(c), 'agent');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: BROKER_NAMES.notificationQueue }));
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('refuses DeleteMessageBatch without entries, with more than 10 or with a repeated Id, and ChangeMessageVisibility with a handle it never gave', async () => {
    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
    const sqs = client((c) => new SQSClient(c), 'agent');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: BROKER_NAMES.notificationQueue }));
    const entry = (id: string) => ({ Id: id, ReceiptHandle: 'never-given' });

    await expect(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [] }))).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
    await expect(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 11 }, (_, i) => entry(`e${i}`)) }))).rejects.toMatchObject({
      name: 'TooManyEntriesInBatchRequest',
    });
    await expect(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [entry('a'), entry('a')] }))).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    await expect(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [entry('a')] }))).resolves.toMatchObject({ Successful: [{ Id: 'a' }] });
    await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'never-given', VisibilityTimeout: 0 }))).rejects.toMatchObject({
      name: 'ReceiptHandleIsInvalid',
    });
  });

  it('refuses a call signed with the wrong secret, and one from an unknown key', async () => {
    await expect(client((c) => new STSClient(c), 'agent', 'not-the-secret').send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
    });
    const stranger = new SecretsManagerClient({ region: 'eu-west-1', endpoint: sandbox.url, maxAttempts: 1, credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' } });
    await expect(stranger.send(new GetSecretValueCommand({ SecretId: `agent/elevated/${PROD}` }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('refuses a signed request whose body was changed after signing', async () => {
    // Prepare: a request signed by the agent, then its body replaced.
    const signer = new SignatureV4({ credentials: sandbox.keys.agent, region: 'eu-west-1', service: 'secretsmanager', sha256: NodeSha256, applyChecksum: false });
    const url = new URL(sandbox.url);
    const body = JSON.stringify({ SecretId: `agent/elevated/${PROD}` });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body,
    });

    // Act
    const honest = await fetch(sandbox.url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const tampered = await fetch(sandbox.url, { method: 'POST', headers: signed.headers as Record<string, string>, body: body.replace(PROD, '333333333333') });

    // Assess
    expect(honest.status).toBe(200);
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toMatchObject({ __type: 'SignatureDoesNotMatch' });
  });

  it("lets the agent read its secret but not the approver, whom the secret's resource policy denies", async () => {
    const read = await client((c) => new SecretsManagerClient(c), 'agent').send(new GetSecretValueCommand({ SecretId: `agent/elevated/${PROD}` }));
    expect(JSON.parse(read.SecretString ?? '')).toEqual({ status: 'inactive' });
    expect(read.ARN).toMatch(new RegExp(`:secret:agent/elevated/${PROD}-[A-Za-z0-9]{6}$`));
    await expect(client((c) => new SecretsManagerClient(c), 'approver').send(new GetSecretValueCommand({ SecretId: `agent/elevated/${PROD}` }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it("finds a secret only in the hub's region: secrets are regional, as in Secrets Manager", async () => {
    const elsewhere = new SecretsManagerClient({ region: 'ap-southeast-2', endpoint: sandbox.url, maxAttempts: 1, credentials: sandbox.keys.agent });
    await expect(elsewhere.send(new GetSecretValueCommand({ SecretId: `agent/elevated/${PROD}` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('makes the reset a compare-and-swap, as Secrets Manager does: a newer grant is never clobbered', async () => {
    // Prepare: the broker's real vault adapter, over HTTP, with the broker's key; two grants in a row.
    const vault = new SecretsManagerVault(client((c) => new SecretsManagerClient(c), 'broker'));
    const first = 'req-cas-00001-aaaaaaaaaaaaaaaaaaaaaaaa';
    const second = 'req-cas-00002-bbbbbbbbbbbbbbbbbbbbbbbb';
    await vault.storeGrant('agent/elevated/333333333333', grant('req-cas-00001', first));
    await vault.storeGrant('agent/elevated/333333333333', grant('req-cas-00002', second));

    // Act: the first grant's reset comes late; then the second's.
    const late = await vault.resetIfCurrent('agent/elevated/333333333333', first, `reset-${first}`.slice(0, 64));
    const current = await vault.resetIfCurrent('agent/elevated/333333333333', second, `reset-${second}`.slice(0, 64));
    const again = await vault.resetIfCurrent('agent/elevated/333333333333', second, `reset-${second}`.slice(0, 64));

    // Assess
    expect(late).toBe('conflict');
    expect(current).toBe('reset');
    expect(again).toBe('reset');
    const read = await client((c) => new SecretsManagerClient(c), 'agent').send(new GetSecretValueCommand({ SecretId: 'agent/elevated/333333333333' }));
    expect(JSON.parse(read.SecretString ?? '')).toEqual({ status: 'inactive' });
  });

  it('verifies presigned requests (identity proofs): the signer is answered, a tampered or expired URL is refused', async () => {
    // Prepare: a presigned GetCallerIdentity, as `jit end` and `jit revoke` send their proofs.
    const url = new URL(sandbox.url);
    const presign = async (signingDate: Date) => {
      const signer = new SignatureV4({ credentials: sandbox.keys.approver, region: 'eu-west-1', service: 'sts', sha256: NodeSha256 });
      const signed = await signer.presign(
        { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: url.host } },
        { expiresIn: 300, signingDate },
      );
      const target = new URL(`${sandbox.url}/`);
      for (const [name, value] of Object.entries(signed.query ?? {})) target.searchParams.set(name, String(value));
      return target;
    };

    // Act and assess: as signed, it names the signer.
    const good = await presign(new Date());
    const answer = await fetch(good);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('<Arn>arn:aws:iam::111111111111:user/jit-sandbox-approver</Arn>');

    // A changed parameter breaks the signature; an old one is past its X-Amz-Expires.
    const tampered = new URL(good);
    tampered.searchParams.set('Version', '2011-06-16');
    expect((await fetch(tampered)).status).toBe(403);
    const stale = await presign(new Date(Date.now() - 10 * 60_000));
    const refused = await fetch(stale);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Signature expired');
  });

  describe('the approver routes (IAM authorization, SigV4 service execute-api)', () => {
    const api = (key: 'agent' | 'approver', secret?: string) =>
      new ApproverApi({ baseUrl: sandbox.url, region: 'eu-west-1', credentials: async () => ({ accessKeyId: sandbox.keys[key].accessKeyId, secretAccessKey: secret ?? sandbox.keys[key].secretAccessKey }) });

    it("answers the approver's signed call as the configured approver their IAM user maps to", async () => {
      const answer = await api('approver').call('GET', '/approvals');
      expect(answer).toEqual({ status: 200, body: { approver: 'security-lead@example.com', pending: [] } });
    });

    it('refuses an unsigned call before the function runs, as API Gateway does', async () => {
      const answer = await fetch(`${sandbox.url}/approvals`);
      expect(answer.status).toBe(403);
      expect(await answer.json()).toEqual({ message: 'Forbidden' });
      const post = await fetch(`${sandbox.url}/approvals/req-1234abcd/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(post.status).toBe(403);
    });

    it('refuses a forged signature (the right key id, a wrong secret)', async () => {
      await expect(api('approver', 'x'.repeat(40)).call('GET', '/approvals')).rejects.toMatchObject({ exitCode: EXIT.AWS_ACCESS, message: expect.stringMatching(/HTTP 403.*signature/i) });
    });

    it('runs the approval function in a worker thread by default, and on the main thread with functionWorkers: 0, with the same answer', async () => {
      // Prepare
      const mainHome = mkdtempSync(join(tmpdir(), 'jit-sandbox-main-thread-'));
      const onMainThread = await startSandbox({ home: mainHome, port: 0, timeScale: 1, configFile: EXAMPLE_CONFIG, functionWorkers: 0 });
      try {
        const approverOf = (s: RunningSandbox) =>
          new ApproverApi({ baseUrl: s.url, region: 'eu-west-1', credentials: async () => ({ accessKeyId: s.keys.approver.accessKeyId, secretAccessKey: s.keys.approver.secretAccessKey }) });

        // Act
        const [inWorker, inProcess] = await Promise.all([approverOf(sandbox).call('GET', '/approvals'), approverOf(onMainThread).call('GET', '/approvals')]);

        // Assess
        expect(sandbox.functionWorkers).toBe(defaultFunctionWorkers());
        expect(onMainThread.functionWorkers).toBe(0);
        expect(onMainThread.functionWorkerUtilization()).toEqual([]);
        expect(inProcess).toEqual(inWorker);
        expect(inWorker).toEqual({ status: 200, body: { approver: 'security-lead@example.com', pending: [] } });
      } finally {
        await onMainThread.stop();
        rmSync(mainHome, { recursive: true, force: true });
      }
    });

    it('refuses a number of function workers that is not a whole number of 0 or more, before it makes anything', async () => {
      const home = join(tmpdir(), `jit-sandbox-refused-${process.pid}`);
      for (const functionWorkers of [-1, 1.5]) {
        await expect(startSandbox({ home, port: 0, timeScale: 1, configFile: EXAMPLE_CONFIG, functionWorkers })).rejects.toThrow(/functionWorkers must be a whole number, 0 or more/);
      }
      expect(existsSync(home)).toBe(false);
    });

    it("sends the functions' AWS calls direct by default, and over HTTP with functionCalls: 'http', with the same answer", async () => {
      // Prepare
      const httpHome = mkdtempSync(join(tmpdir(), 'jit-sandbox-http-calls-'));
      const overHttp = await startSandbox({ home: httpHome, port: 0, timeScale: 1, configFile: EXAMPLE_CONFIG, functionCalls: 'http' });
      try {
        const approverOf = (s: RunningSandbox) =>
          new ApproverApi({ baseUrl: s.url, region: 'eu-west-1', credentials: async () => ({ accessKeyId: s.keys.approver.accessKeyId, secretAccessKey: s.keys.approver.secretAccessKey }) });
        const callsBefore = [sandbox.awsCallsAnswered(), overHttp.awsCallsAnswered()];

        // Act: the approval function answers from the request table (a Query it sends as the broker).
        const [direct, http] = await Promise.all([approverOf(sandbox).call('GET', '/approvals'), approverOf(overHttp).call('GET', '/approvals')]);

        // Assess: both reached the router (the approver's own signed call, and the function's).
        expect([sandbox.functionCalls, overHttp.functionCalls]).toEqual(['direct', 'http']);
        expect(http).toEqual(direct);
        expect(direct).toMatchObject({ status: 200, body: { pending: [] } });
        expect(sandbox.awsCallsAnswered() - callsBefore[0]).toBeGreaterThanOrEqual(2);
        expect(overHttp.awsCallsAnswered() - callsBefore[1]).toBe(sandbox.awsCallsAnswered() - callsBefore[0]);
      } finally {
        await overHttp.stop();
        rmSync(httpHome, { recursive: true, force: true });
      }
    });

    it('refuses a way of sending the functions\' calls other than direct or http, before it makes anything', async () => {
      const home = join(tmpdir(), `jit-sandbox-refused-calls-${process.pid}`);
      await expect(startSandbox({ home, port: 0, timeScale: 1, configFile: EXAMPLE_CONFIG, functionCalls: 'socket' as 'http' })).rejects.toThrow(/functionCalls must be direct or http/);
      expect(existsSync(home)).toBe(false);
    });

    it("refuses the agent's correctly signed call: IAM allows it no execute-api:Invoke", async () => {
      await expect(api('agent').call('POST', '/approvals/req-1234abcd/approve', {})).rejects.toMatchObject({
        exitCode: EXIT.AWS_ACCESS,
        message: expect.stringMatching(/HTTP 403.*jit-agent is not authorized to perform: execute-api:Invoke/),
      });
    });
  });
});

