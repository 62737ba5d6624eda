import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall } from '../http/aws-call';
import type { Authorizer } from '../iam/authorizer';
import { appendJsonLineSoon, readJsonLines } from '../store/json-file';
import type { EventPattern } from '../models/event-pattern';
import {
  type AcceptedEvent,
  type DefaultBusRule,
  type DeliveredEvent,
  type PutEventsEntry,
  type RuleDefinition,
  cloudTrailApiCallEvent,
  defaultBusTargets,
  putEvents,
  targetsOf,
} from '../models/eventbridge';
import { type SynthesizedStack, prop, resolve, resourcesOfType } from '../template/deployed-template';
import { type JsonOperation, type ServiceEmulation, handleJson } from './service';

export type { DefaultBusRule, DeliveredEvent, RuleDefinition };

/** The rules a synthesized stack defines, with their buses, patterns and target ARNs. */
export function rulesOf(stack: SynthesizedStack): RuleDefinition[] {
  return resourcesOfType(stack, 'AWS::Events::Rule').map(([id, resource]) => ({
    name: String(prop(resource, 'Name') ?? `${stack.name}-${id}`),
    bus: String(resolve(prop(resource, 'EventBusName') ?? 'default', stack)),
    pattern: prop(resource, 'EventPattern') as EventPattern,
    targets: ((prop(resource, 'Targets') as Array<{ Arn: unknown }> | undefined) ?? []).map((t) => String(resolve(t.Arn, stack))),
  }));
}

/**
 * The rules on the default buses of target-side stacks (the tripwire forwarders), each with the account
 * and region of its stack and its state (CloudFormation's default: `ENABLED`).
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-rule.html
 */
export function defaultBusRulesOf(stacks: readonly SynthesizedStack[]): DefaultBusRule[] {
  return stacks.flatMap((stack) =>
    resourcesOfType(stack, 'AWS::Events::Rule')
      .filter(([, resource]) => String(resolve(prop(resource, 'EventBusName') ?? 'default', stack)) === 'default')
      .map(([id, resource]) => ({
        ...rulesOf({ ...stack, resources: { [id]: resource } })[0],
        account: stack.account,
        region: stack.region,
        state: String(prop(resource, 'State') ?? 'ENABLED'),
      })),
  );
}

/**
 * Hands a matched event to one target ARN (the sandbox's engine, queues or functions). Called while the
 * PutEvents call is answered: it records the delivery (on disk where the target keeps work, such as an
 * execution started or a message queued) before it returns, and leaves the target's work for later.
 */
export type TargetDispatch = (targetArn: string, event: DeliveredEvent) => void;

/** One line of `$JIT_HOME/events.jsonl`. */
export interface LoggedEvent {
  readonly bus: string;
  readonly event: DeliveredEvent;
}

/**
 * EventBridge PutEvents on the buses the broker stack defines: each entry is authorized (the agent's
 * policy allows only `source = jit.agent` on the broker bus), validated and matched to rules by the
 * model (sandbox/models/eventbridge.ts), logged to `$JIT_HOME/events.jsonl`, and delivered to the
 * targets of every matching rule — the `jit.agent` rule starts an execution of the state machine.
 */
export class EventBridgeEmulation implements ServiceEmulation {
  readonly signingNames = ['events'];
  private readonly listeners: Array<(logged: LoggedEvent) => void> = [];
  private readonly logFile: string;

  constructor(
    private readonly buses: ReadonlyMap<string, string>,
    private readonly rules: readonly RuleDefinition[],
    home: string,
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    private readonly dispatch: TargetDispatch,
    private readonly region: string,
  ) {
    this.logFile = join(home, 'events.jsonl');
  }

  /** Called for every accepted event (the sandbox narrates broker events). */
  onEvent(listener: (logged: LoggedEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Every event put so far, oldest first. */
  log(): LoggedEvent[] {
    return readJsonLines<LoggedEvent>(this.logFile);
  }

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = { PutEvents: (input) => this.putEvents(input, call) };
    return handleJson(call, 'EventBridge', '1.1', operations);
  }

  private putEvents(input: Record<string, unknown>, call: AwsCall) {
    const entries = (input.Entries as PutEventsEntry[] | undefined) ?? [];
    const arnOfBus = (name: string) => this.buses.get(name);
    const authorize = (busArns: readonly string[]) => {
      for (const bus of busArns) {
        this.authorizer.authorize(call, 'events:PutEvents', bus, {
          request: {
            eventSources: entries.map((e) => String(e.Source ?? '')),
            eventDetailTypes: entries.map((e) => String(e.DetailType ?? '')),
          },
        });
        call.note.resources.push({ type: 'AWS::Events::EventBus', name: bus });
      }
    };
    const put = putEvents(entries, { account: call.caller.accountId, region: this.region, now: this.clock.now(), arnOfBus, authorize });
    for (const accepted of put.accepted) this.accept(accepted);
    return { FailedEntryCount: put.failedEntryCount, Entries: put.results };
  }

  /**
   * A recorded API call, as CloudTrail puts it on the default bus of the call's account and region: the
   * rules there (the target accounts' tripwire forwarders, infra/constructs/tripwire-forwarder.ts) send it
   * on to the buses they target, here the broker's, whose own rules decide what acts on it. A call in an
   * account or region without a forwarder goes nowhere, as in AWS. The sandbox forwards at once; AWS
   * delivers CloudTrail events to EventBridge on a best-effort basis, with a delay of its own (docs/sandbox.md).
   * Returns the buses it reached.
   */
  forwardTrailRecord(defaultBusRules: readonly DefaultBusRule[], record: Parameters<typeof cloudTrailApiCallEvent>[0]): string[] {
    const event = cloudTrailApiCallEvent(record);
    const reached: string[] = [];
    for (const target of defaultBusTargets(defaultBusRules, event)) {
      const bus = [...this.buses.entries()].find(([name, arn]) => arn === target && name !== 'default')?.[0];
      if (!bus) continue;
      this.accept({ bus, event });
      reached.push(bus);
    }
    return reached;
  }

  /**
   * Logs an event (on disk before PutEvents answers) and hands it to every matching rule's targets,
   * which record what they accepted before the answer too: an answered PutEvents survives a crash.
   */
  private accept(accepted: AcceptedEvent): void {
    const { bus, event } = accepted;
    // With the next flush (one fsync for the events of a turn), which the answer waits for.
    appendJsonLineSoon(this.logFile, { bus, event } satisfies LoggedEvent, { durable: true });
    for (const listener of this.listeners) listener({ bus, event });
    for (const target of targetsOf(this.rules, accepted)) {
      try {
        this.dispatch(target, event);
      } catch (error) {
        console.error(`sandbox: delivering event ${event.id} to ${target} failed: ${(error as Error).message}`);
      }
    }
  }
}
