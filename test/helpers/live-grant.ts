import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { LocalExecutionResult } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import type { AgentWorld } from './agent-world';
import { pendingTaskToken, requestEvent, runElevation } from './elevation-harness';

const sfn = new SFNClient({ region: 'eu-west-1' });

/** An execution of the synthesized workflow, held before its reset so the grant stays live. */
export interface HeldExecution {
  /** Answers the approval task as an approver would (SendTaskSuccess). */
  approve(minutes?: number): Promise<void>;
  /** Resolves once the grant is minted and published, and the workflow waits before its reset. */
  readonly granted: Promise<void>;
  /** Lets the workflow go on to its reset and audit. */
  finish(): Promise<LocalExecutionResult>;
}

/** Starts the workflow for a request event and holds it before the reset. */
export function holdBeforeReset(world: AgentWorld, event: unknown, requestId: string): HeldExecution {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached: () => void = () => undefined;
  const granted = new Promise<void>((resolve) => (reached = resolve));
  const run = runElevation(world.aws, event, {
    beforeTask: async (state) => {
      // Held as soon as the grant is live, before the notice's wait moves the clock.
      if (state !== STATE.planNotice) return;
      world.registerMintedSessions();
      reached();
      await gate;
    },
  });
  return {
    granted,
    approve: async (minutes = 15) => {
      const token = await pendingTaskToken(world.aws, requestId);
      const decision = { role: 'Ops', minutes, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() };
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(decision) }));
    },
    finish: async () => {
      release();
      return run;
    },
  };
}

/** Every `Elevation Requested` the agent publishes starts the workflow, held before its reset. */
export function startWorkflowOnRequests(world: AgentWorld): Map<string, HeldExecution> {
  const executions = new Map<string, HeldExecution>();
  world.aws.rules.push((event) => {
    if (event.source !== 'jit.agent' || event.detailType !== 'Elevation Requested') return;
    const requestId = String(event.detail.requestId);
    executions.set(requestId, holdBeforeReset(world, requestEvent(event.detail, event.id), requestId));
  });
  return executions;
}
