import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGrantLeases } from '../adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-publisher';
import { IamRoleRevoker } from '../adapters/aws/iam-role-revoker';
import { LambdaGrantResetter } from '../adapters/aws/lambda-grant-resetter';
import { SchedulerLiftScheduler } from '../adapters/aws/scheduler-lift-scheduler';
import { StsIdentityVerifier, regionalStsEndpoint } from '../adapters/aws/sts-identity-verifier';
import { isAgentEventSource } from '../core/agents';
import { ELEVATION_END_REQUESTED } from '../core/broker-event';
import { MalformedTaskInputError } from '../core/errors';
import { parseTaskInput } from '../core/task-input';
import { type RevokeGrantDeps, liftRevocation, refuseMalformedEnd, revokeGrant, revokeGrantInputSchema } from '../use-cases/revoke-grant';
import { revokeResultOf, type RevokeResult } from '../use-cases/revoke-result';
import { parseSettings, taskHandler } from '../lambda/runtime';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDbTripwireState } from '../adapters/aws/dynamodb-tripwire-state';
import { SesV2Mailer } from '../adapters/aws/sesv2-mailer';
import { cloudTrailApiCallEventSchema, isCloudTrailApiCall } from '../core/tripwire';
import { watchGrantCall } from '../use-cases/watch-grant-call';
import type { FunctionRuntime } from './function-runtime';

/** The revoke function's own ARN, without a version or alias: the lift schedule invokes it. */
function unqualified(functionArn: string): string {
  return functionArn.split(':').slice(0, 7).join(':');
}

interface IncomingEvent {
  source?: unknown;
  'detail-type'?: unknown;
  detail?: { requestId?: unknown; proof?: unknown } & Record<string, unknown>;
  requestId?: unknown;
}

/** The three callers, each in its own shape, as one validated input. */
function inputOf(event: unknown): unknown {
  const e = (event ?? {}) as IncomingEvent;
  // Any agent's source: the proof, not the source, decides whose grant may be ended.
  if (isAgentEventSource(e.source) && e['detail-type'] === ELEVATION_END_REQUESTED) {
    return { action: 'end', requestId: e.detail?.requestId, proof: e.detail?.proof, agentSource: e.source };
  }
  if (e.source === 'jit.lift-schedule') return { action: 'lift', requestId: e.requestId };
  return event;
}

/**
 * Revoke: `jit revoke` invokes it directly (an approver's credentials), the agent's `jit end` reaches it
 * as an `Elevation End Requested` event, and the one-time lift schedule calls it after the STS expiry.
 * Proofs and events are never logged.
 */
export function revokeFunction({ env, aws, clock, logger, region, stsProofEndpoint }: FunctionRuntime<'revoke'>) {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient(aws));
  const store = new DynamoDbRequestStore({ client: documents, tableName: env.requestTable });
  const leases = new DynamoDbGrantLeases({ client: documents, tableName: env.requestTable });
  const publisher = new EventBridgePublisher(new EventBridgeClient(aws), env.eventBusName);
  const sts = new STSClient(aws);
  const partition = env.targetPartition;
  const settings = parseSettings(env.settings);

  let deps: RevokeGrantDeps | undefined;
  // The lift schedule's target is this function's own ARN, which only the first invocation's context tells.
  const depsFor = (context: Pick<Context, 'invokedFunctionArn'>): RevokeGrantDeps =>
    (deps ??= {
      store,
      leases,
      publisher,
      clock,
      resetter: new LambdaGrantResetter(new LambdaClient(aws), env.resetFunctionArn),
      revoker: new IamRoleRevoker({ sts, partition, endpoint: aws.endpoint, requestHandler: aws.requestHandler }),
      lifts: new SchedulerLiftScheduler({
        client: new SchedulerClient(aws),
        groupName: env.scheduleGroup,
        revokeFunctionArn: unqualified(context.invokedFunctionArn),
        schedulerRoleArn: env.liftSchedulerRoleArn,
      }),
      verifier: new StsIdentityVerifier({ endpoint: stsProofEndpoint ?? regionalStsEndpoint(region), clock }),
    });

  const run = async (event: unknown, context: Pick<Context, 'invokedFunctionArn'>): Promise<RevokeResult | { kind: string }> => {
    // A target account's CloudTrail API-call event, forwarded to the broker bus: the tripwires judge it.
    if (isCloudTrailApiCall(event)) {
      if (!settings.tripwires) return { kind: 'ignored' };
      const call = parseTaskInput('revoke', cloudTrailApiCallEventSchema, event);
      const watched = await watchGrantCall(call, {
        ...depsFor(context),
        tripwires: settings.tripwires,
        state: new DynamoDbTripwireState(documents, env.requestTable),
        mailer: new SesV2Mailer(new SESv2Client(aws)),
        approvers: settings.approvers,
        sender: settings.sender,
      });
      logger.info('grant call watched', { outcome: watched.kind, ...('requestId' in watched ? { requestId: watched.requestId } : {}), ...('trip' in watched ? { rule: watched.trip.rule, eventId: watched.trip.call.eventId } : {}) });
      return { kind: watched.kind };
    }
    const raw = inputOf(event);
    let input;
    try {
      input = parseTaskInput('revoke', revokeGrantInputSchema, raw);
    } catch (error) {
      if (error instanceof MalformedTaskInputError && (await refuseMalformedEnd(raw, { publisher }))) {
        logger.warn('malformed end request');
        return { kind: 'refused' };
      }
      throw error;
    }
    const d = depsFor(context);
    if (input.action === 'lift') {
      const lifted = await liftRevocation(input, d);
      logger.info('revocation lift finished', { requestId: input.requestId, outcome: lifted.kind });
      return lifted;
    }
    const outcome = await revokeGrant(input, d);
    logger.info('revocation finished', { requestId: input.requestId, action: input.action, outcome: outcome.kind });
    return revokeResultOf(input.requestId, outcome);
  };

  // The three callers' shapes are told apart and validated in `run`, so the wrapper passes the event on as it is.
  return (event: unknown, context: Pick<Context, 'invokedFunctionArn'>) => taskHandler('revoke', z.unknown(), (e) => run(e, context), logger)(event);
}
