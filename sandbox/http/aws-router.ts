import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../clock';
import { userIdentityOf } from '../iam/caller';
import type { Identities } from '../iam/identities';
import type { ServiceEmulation } from '../services/service';
import type { TrailStore } from '../services/trail-store';
import type { AwsCall, AwsResponse } from './aws-call';
import { AwsError } from './aws-error';
import { type WireProtocol, errorResponse, protocolOf } from './protocols';
import { type SignedRequest, parseAuthorization, parsePresigned, verifyPresignedSignature, verifySignature } from './sigv4';

/** Services whose events CloudTrail records in us-east-1, whatever region was called. */
const GLOBAL_SERVICES = new Set(['iam']);

export interface AwsRouterOptions {
  readonly identities: Identities;
  /** Emulations for the hub account's own callers (the agent, the approver, the broker), by signing name. */
  readonly hubServices: readonly ServiceEmulation[];
  /** Emulations for minted sessions in target accounts, by signing name. */
  readonly sessionServices: readonly ServiceEmulation[];
  /** Answers anything else (authorized, recorded, no resources). */
  readonly fallback: ServiceEmulation;
  readonly trail: TrailStore;
  readonly clock: SandboxClock;
}

function accessErrorCode(protocol: WireProtocol, kind: 'unknown' | 'expired'): string {
  if (kind === 'expired') return protocol === 'json' || protocol === 'rest-json' ? 'ExpiredTokenException' : 'ExpiredToken';
  if (protocol === 'rest-xml') return 'InvalidAccessKeyId';
  return protocol === 'json' || protocol === 'rest-json' ? 'UnrecognizedClientException' : 'InvalidClientTokenId';
}

function byName(services: readonly ServiceEmulation[]): Map<string, ServiceEmulation> {
  const map = new Map<string, ServiceEmulation>();
  for (const service of services) for (const name of service.signingNames) map.set(name, service);
  return map;
}

/**
 * Every AWS API call arrives here: the SigV4 signature is checked against the sandbox's keys and the
 * credentials its STS minted, the call goes to the emulation of its service for the caller's account
 * (the hub's services for the sandbox's own keys, the target account's for minted sessions), and the
 * outcome — allowed or denied — is written to that account's local trail.
 */
export class AwsRouter {
  private readonly hub: Map<string, ServiceEmulation>;
  private readonly sessions: Map<string, ServiceEmulation>;
  private answered = 0;

  constructor(private readonly options: AwsRouterOptions) {
    this.hub = byName(options.hubServices);
    this.sessions = byName(options.sessionServices);
  }

  /** How many calls the router has answered (allowed, denied or refused), for the load benchmark. */
  get callsAnswered(): number {
    return this.answered;
  }

  async handle(request: SignedRequest, sourceIp: string): Promise<AwsResponse> {
    this.answered++;
    const requestId = randomUUID();
    let protocol: WireProtocol = protocolOf('unknown', request);
    let call: AwsCall;
    try {
      // A presigned URL (identity proofs are presigned GetCallerIdentity calls) or a signed header.
      const presigned = parsePresigned(request.query);
      const claim = presigned ?? parseAuthorization(request.headers.authorization);
      protocol = protocolOf(claim.service, request);
      const known = this.options.identities.resolve(claim.accessKeyId);
      if (!known) throw new AwsError(accessErrorCode(protocol, 'unknown'), 'The security token included in the request is invalid.', 403);
      if (presigned) await verifyPresignedSignature(request, presigned, known.secret, new Date(this.options.clock.nowMs()));
      else await verifySignature(request, claim, known.secret);
      if (known.caller.kind === 'session' && Date.parse(known.caller.expiresAt) <= this.options.clock.nowMs()) {
        throw new AwsError(accessErrorCode(protocol, 'expired'), 'The security token included in the request is expired', 403);
      }
      call = {
        ...request,
        service: claim.service,
        region: claim.region,
        caller: known.caller,
        requestId,
        sourceIp,
        userAgent: request.headers['user-agent'] ?? '',
        note: { resources: [], evaluations: [] },
      };
    } catch (error) {
      return errorResponse(protocol, error instanceof AwsError ? error : new AwsError('InternalFailure', (error as Error).message, 500), requestId);
    }

    const services = call.caller.kind === 'session' ? this.sessions : this.hub;
    const service = services.get(call.service) ?? this.options.fallback;
    let response: AwsResponse;
    let failure: AwsError | undefined;
    try {
      response = await service.handle(call);
    } catch (error) {
      failure = error instanceof AwsError ? error : new AwsError('InternalFailure', `The sandbox failed: ${(error as Error).message}`, 500);
      if (!(error instanceof AwsError)) console.error(`sandbox: ${call.service} ${call.note.operation ?? ''} failed:`, error);
      response = errorResponse(protocol, failure, requestId);
    }
    this.record(call, failure);
    return { ...response, headers: { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId, ...response.headers } };
  }

  private record(call: AwsCall, failure: AwsError | undefined): void {
    if (!call.note.operation) return;
    this.options.trail.record(call.caller.accountId, {
      eventTime: `${this.options.clock.now().toISOString().slice(0, 19)}Z`,
      eventSource: `${call.service === 'ses' ? 'ses' : call.service}.amazonaws.com`,
      eventName: call.note.operation,
      awsRegion: GLOBAL_SERVICES.has(call.service) ? 'us-east-1' : call.region,
      sourceIPAddress: call.sourceIp,
      userAgent: call.userAgent,
      userIdentity: userIdentityOf(call.caller),
      requestParameters: call.note.requestParameters ?? null,
      ...(failure ? { errorCode: failure.code, errorMessage: failure.message } : {}),
      requestID: call.requestId,
      readOnly: call.note.readOnly ?? false,
      resources: call.note.resources.map((r) => ({ ...(r.type ? { type: r.type } : {}), ...(r.name ? { ARN: r.name } : {}) })),
      recipientAccountId: call.caller.accountId,
    });
  }
}
