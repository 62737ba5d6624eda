import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { agentsOf, loadJitConfig } from '../../../infra/config/load-config';
import { SandboxClock } from '../../../sandbox/clock';
import { type DirectCalls, DirectCallHandler, directCallsOverPort, serveDirectCalls } from '../../../sandbox/engine/function-aws-transport';
import type { AwsCall, AwsResponse } from '../../../sandbox/http/aws-call';
import { AwsRouter } from '../../../sandbox/http/aws-router';
import { DIRECT_CALL_SOURCE_IP, answerDirectCall } from '../../../sandbox/http/direct-calls';
import { Identities } from '../../../sandbox/iam/identities';
import { loadOrCreateKeys } from '../../../sandbox/iam/keys';
import type { ServiceEmulation } from '../../../sandbox/services/service';
import { TrailStore } from '../../../sandbox/services/trail-store';
import { EXAMPLE_CONFIG } from '../../helpers/synth';

/**
 * The broker's functions in the sandbox send their AWS calls through `DirectCallHandler`: the real SDK signs
 * them, and the sandbox's real AWS router checks, authorizes and records them as it does calls over HTTP.
 * Here the router serves two recording services (DynamoDB's JSON protocol and S3's REST one) in place of
 * the sandbox's emulations, so each test sees exactly what arrived.
 */
const ENDPOINT = 'http://127.0.0.1:4599';

describe('the direct transport of the functions\' AWS calls', () => {
  let home: string;
  let router: AwsRouter;
  let trail: TrailStore;
  let keys: ReturnType<typeof loadOrCreateKeys>;
  let hub: string;
  const arrived: AwsCall[] = [];

  /** Records the call and answers as the service would, with the caller it was authenticated as. */
  const recording = (signingName: string, answer: (call: AwsCall) => AwsResponse): ServiceEmulation => ({
    signingNames: [signingName],
    handle: async (call) => {
      arrived.push(call);
      call.note.operation = signingName === 's3' ? 'GetObject' : 'GetItem';
      return answer(call);
    },
  });

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'jit-direct-calls-'));
    const { config } = loadJitConfig(EXAMPLE_CONFIG);
    hub = config.hub.account;
    keys = loadOrCreateKeys(home, agentsOf(config).map((a) => a.id));
    trail = new TrailStore(home);
    const dynamodb = recording('dynamodb', (call) => ({
      status: 200,
      headers: { 'Content-Type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ Item: { pk: { S: call.caller.kind } } }),
    }));
    const s3 = recording('s3', () => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('the report') }));
    router = new AwsRouter({
      identities: new Identities(keys, config, home),
      hubServices: [dynamodb, s3],
      sessionServices: [],
      fallback: recording('fallback', () => ({ status: 400, headers: {}, body: '' })),
      trail,
      clock: SandboxClock.unpersisted(),
    });
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  beforeEach(() => {
    arrived.length = 0;
  });

  const dynamodbClient = (send: DirectCalls, secret = keys.broker.secretAccessKey, endpoint = ENDPOINT) =>
    new DynamoDBClient({
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: keys.broker.accessKeyId, secretAccessKey: secret },
      maxAttempts: 1,
      requestHandler: new DirectCallHandler(send, ENDPOINT),
    });
  const direct: DirectCalls = (request) => answerDirectCall(router, request);
  const getItem = new GetItemCommand({ TableName: 'jit-requests', Key: { pk: { S: 'req-1' } } });

  it('hands the signed request to the router, which authenticates its signer and records it in the trail', async () => {
    // Act
    const output = await dynamodbClient(direct).send(getItem);

    // Assess: the SDK parsed the router's answer; the call arrived signed, with the wire's headers.
    expect(output.Item).toEqual({ pk: { S: 'broker' } });
    expect(arrived).toHaveLength(1);
    const [call] = arrived;
    expect(call).toMatchObject({ method: 'POST', path: '/', service: 'dynamodb', region: 'eu-west-1', sourceIp: DIRECT_CALL_SOURCE_IP });
    expect(call.caller).toMatchObject({ kind: 'broker' });
    expect(call.headers).toMatchObject({ host: '127.0.0.1:4599', 'x-amz-target': 'DynamoDB_20120810.GetItem', 'content-length': String(call.body.length) });
    expect(call.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${keys.broker.accessKeyId}/\\d{8}/eu-west-1/dynamodb/aws4_request`));
    expect(JSON.parse(call.body.toString('utf8'))).toEqual({ TableName: 'jit-requests', Key: { pk: { S: 'req-1' } } });
    expect(trail.events(hub).at(-1)).toMatchObject({ eventSource: 'dynamodb.amazonaws.com', eventName: 'GetItem', sourceIPAddress: DIRECT_CALL_SOURCE_IP });
  });

  it('is refused as over HTTP when signed with the wrong secret, or changed after it was signed', async () => {
    // Prepare: a transport that changes the body once the SDK has signed it.
    const tampering: DirectCalls = (request) => {
      const body = Buffer.from(request.body).toString('utf8').replace('req-1', 'req-2');
      return direct({ ...request, body: new Uint8Array(Buffer.from(body)) });
    };

    // Act / Assess
    await expect(dynamodbClient(direct, 'not-the-secret').send(getItem)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    // The SDK signs the body's hash (x-amz-content-sha256): the changed body no longer matches it.
    await expect(dynamodbClient(tampering).send(getItem)).rejects.toMatchObject({ name: 'XAmzContentSHA256Mismatch' });
    expect(arrived).toEqual([]);
  });

  it('reaches the sandbox only: a client pointed anywhere else is refused before anything is sent', async () => {
    await expect(dynamodbClient(direct, undefined, 'https://dynamodb.eu-west-1.amazonaws.com').send(getItem)).rejects.toThrow(
      "The sandbox's direct transport reaches 127.0.0.1:4599 only, not dynamodb.eu-west-1.amazonaws.com.",
    );
    expect(arrived).toEqual([]);
  });

  it('gives a streaming output its body as a stream, as the HTTP handler does (S3 GetObject)', async () => {
    // Prepare
    const s3 = new S3Client({
      region: 'eu-west-1',
      endpoint: ENDPOINT,
      forcePathStyle: true,
      credentials: { accessKeyId: keys.broker.accessKeyId, secretAccessKey: keys.broker.secretAccessKey },
      maxAttempts: 1,
      requestHandler: new DirectCallHandler(direct, ENDPOINT),
    });

    // Act
    const object = await s3.send(new GetObjectCommand({ Bucket: 'jit-audit', Key: 'reports/req-1.json' }));

    // Assess
    expect(await object.Body?.transformToString()).toBe('the report');
    expect(arrived[0]).toMatchObject({ method: 'GET', path: '/jit-audit/reports/req-1.json', service: 's3' });
    expect(arrived[0].query.get('x-id')).toBe('GetObject');
  });

  it("crosses a message port (a worker's calls to the main thread) with the same answer, and fails a call the sandbox could not answer", async () => {
    // Prepare
    const answered = new MessageChannel();
    serveDirectCalls(answered.port1, direct);
    const failing = new MessageChannel();
    serveDirectCalls(failing.port1, () => Promise.reject(new Error('the trail could not be written')));
    try {
      // Act
      const output = await dynamodbClient(directCallsOverPort(answered.port2)).send(getItem);
      const failed = dynamodbClient(directCallsOverPort(failing.port2)).send(getItem);

      // Assess
      expect(output.Item).toEqual({ pk: { S: 'broker' } });
      expect(arrived).toHaveLength(1);
      await expect(failed).rejects.toThrow('The sandbox failed to answer: the trail could not be written');
    } finally {
      for (const port of [answered.port1, answered.port2, failing.port1, failing.port2]) port.close();
    }
  });
});
