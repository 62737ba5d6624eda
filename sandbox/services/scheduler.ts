import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { restJsonOk } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import { passedRoles } from '../iam/passed-roles';
import { JournaledJsonFile } from '../store/json-file';
import { type RestRoute, matchRoute, restBody } from './rest';
import { type ServiceEmulation, epochSeconds } from './service';

interface StoredSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  readonly expression: string;
  /** When a one-time schedule fires (sandbox time, ISO 8601). */
  readonly fireAt: string;
  readonly state: string;
  readonly actionAfterCompletion: string;
  readonly target: { readonly Arn: string; readonly RoleArn?: string; readonly Input?: string; readonly RetryPolicy?: { MaximumRetryAttempts?: number } };
  readonly description?: string;
  readonly createdAt: string;
  attempts: number;
  /** Sandbox time of the next attempt after a failed one. */
  retryAt?: string;
}

/** Runs a schedule's target: the sandbox invokes the function ARN's handler module. */
export type ScheduleTargetInvoker = (targetArn: string, payload: unknown) => Promise<void>;

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, as the reset scheduler writes it. */
export function fireTimeOf(expression: string, timezone: string | undefined): Date {
  const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (!m) throw new AwsError('ValidationException', `The sandbox runs one-time schedules only: at(yyyy-mm-ddThh:mm:ss). Received: ${expression}`, 400);
  if (timezone && timezone !== 'UTC') throw new AwsError('ValidationException', `The sandbox evaluates schedules in UTC only. Received: ${timezone}`, 400);
  return new Date(`${m[1]}Z`);
}

/** EventBridge Scheduler retries a failed invocation with backoff; the sandbox waits this long (sandbox time). */
const RETRY_AFTER_MS = 60_000;
/**
 * One-time schedules fire within about a minute after their time; the sandbox fires them this
 * long after (sandbox time), so the workflow's own reset at expiry normally comes first, as in AWS.
 */
export const SCHEDULE_LAG_MS = 20_000;

/**
 * EventBridge Scheduler for one-time `at(...)` schedules: created, updated, read and deleted over the REST
 * API, kept in `$JIT_HOME/schedules.json`, and fired on the sandbox clock — at once on start when their
 * time passed while the sandbox was stopped, which is what makes the reset safety net survive a restart.
 * `ActionAfterCompletion: DELETE` removes a schedule after it ran; a failed run is retried up to the
 * target's `MaximumRetryAttempts`.
 */
export class SchedulerEmulation implements ServiceEmulation {
  readonly signingNames = ['scheduler'];
  private readonly store: JournaledJsonFile<StoredSchedule>;
  private readonly timers = new Map<string, AbortController>();
  private readonly routes: RestRoute<unknown>[];
  private stopped = false;

  constructor(
    home: string,
    private readonly hub: { account: string; region: string },
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    private readonly invoke: ScheduleTargetInvoker,
  ) {
    this.store = new JournaledJsonFile(join(home, 'schedules.json'));
    this.routes = [
      { method: 'POST', pattern: '/schedules/{Name}', operation: 'CreateSchedule', run: (call, l, body) => this.put(call, l.Name, body, 'create') },
      { method: 'PUT', pattern: '/schedules/{Name}', operation: 'UpdateSchedule', run: (call, l, body) => this.put(call, l.Name, body, 'update') },
      { method: 'GET', pattern: '/schedules/{Name}', operation: 'GetSchedule', run: (call, l) => this.get(call, l.Name) },
      { method: 'DELETE', pattern: '/schedules/{Name}', operation: 'DeleteSchedule', run: (call, l) => this.remove(call, l.Name) },
      { method: 'GET', pattern: '/schedules', operation: 'ListSchedules', run: (call) => this.list(call) },
    ];
  }

  /** Arms every stored schedule; those whose time has passed fire now. */
  start(): void {
    for (const key of Object.keys(this.store.get())) this.arm(key);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.abort();
    this.timers.clear();
  }

  /** Schedules still waiting to fire. */
  pending(): StoredSchedule[] {
    return Object.values(this.store.get());
  }

  async handle(call: AwsCall): Promise<AwsResponse> {
    const path = call.path.split('?')[0];
    const found = matchRoute(this.routes, { ...call, path });
    if (!found) throw notEmulated('EventBridge Scheduler', `${call.method} ${path}`);
    call.note.operation = found.route.operation;
    call.note.readOnly = call.method === 'GET';
    return restJsonOk(await found.route.run(call, found.labels, restBody(call)));
  }

  private group(call: AwsCall, body: Record<string, unknown>): string {
    return String(body.GroupName ?? call.query.get('groupName') ?? 'default');
  }

  private key(group: string, name: string): string {
    return `${group}/${name}`;
  }

  private arnOf(group: string, name: string): string {
    return `arn:aws:scheduler:${this.hub.region}:${this.hub.account}:schedule/${group}/${name}`;
  }

  private put(call: AwsCall, name: string, body: Record<string, unknown>, mode: 'create' | 'update') {
    const group = this.group(call, body);
    const arn = this.arnOf(group, name);
    const action = mode === 'create' ? 'scheduler:CreateSchedule' : 'scheduler:UpdateSchedule';
    this.authorizer.authorize(call, action, arn);
    // The schedule runs with its target's role: Scheduler checks iam:PassRole on it (sandbox/iam/passed-roles.ts).
    for (const passed of passedRoles(action, body)) this.authorizer.authorize(call, 'iam:PassRole', passed.roleArn, { request: { passedToService: passed.service } });
    call.note.resources.push({ type: 'AWS::Scheduler::Schedule', name: arn });
    const key = this.key(group, name);
    const exists = this.store.get()[key] !== undefined;
    if (mode === 'create' && exists) throw new AwsError('ConflictException', `Schedule ${name} already exists.`, 409);
    if (mode === 'update' && !exists) throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    const expression = String(body.ScheduleExpression ?? '');
    const fireAt = fireTimeOf(expression, body.ScheduleExpressionTimezone as string | undefined);
    const target = body.Target as StoredSchedule['target'] | undefined;
    if (!target?.Arn) throw new AwsError('ValidationException', 'A schedule needs a Target with an Arn.', 400);
    const schedule: StoredSchedule = {
      name,
      groupName: group,
      arn,
      expression,
      fireAt: fireAt.toISOString(),
      state: String(body.State ?? 'ENABLED'),
      actionAfterCompletion: String(body.ActionAfterCompletion ?? 'NONE'),
      target,
      ...(typeof body.Description === 'string' ? { description: body.Description } : {}),
      createdAt: this.clock.now().toISOString(),
      attempts: 0,
    };
    this.store.update((all) => {
      all[key] = schedule;
    });
    this.arm(key);
    return { ScheduleArn: arn };
  }

  private find(call: AwsCall, name: string): [string, StoredSchedule] {
    const key = this.key(this.group(call, {}), name);
    const schedule = this.store.get()[key];
    if (!schedule) throw new AwsError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    return [key, schedule];
  }

  private get(call: AwsCall, name: string) {
    const [, s] = this.find(call, name);
    this.authorizer.authorize(call, 'scheduler:GetSchedule', s.arn);
    return {
      Arn: s.arn,
      Name: s.name,
      GroupName: s.groupName,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: 'UTC',
      State: s.state,
      ActionAfterCompletion: s.actionAfterCompletion,
      Target: s.target,
      FlexibleTimeWindow: { Mode: 'OFF' },
      CreationDate: epochSeconds(s.createdAt),
      ...(s.description ? { Description: s.description } : {}),
    };
  }

  private remove(call: AwsCall, name: string) {
    const [key, s] = this.find(call, name);
    this.authorizer.authorize(call, 'scheduler:DeleteSchedule', s.arn);
    this.disarm(key);
    this.store.update((all) => {
      delete all[key];
    });
    return {};
  }

  private list(call: AwsCall) {
    this.authorizer.authorize(call, 'scheduler:ListSchedules', '*');
    const group = call.query.get('ScheduleGroup') ?? undefined;
    return {
      Schedules: Object.values(this.store.get())
        .filter((s) => !group || s.groupName === group)
        .map((s) => ({ Arn: s.arn, Name: s.name, GroupName: s.groupName, State: s.state, Target: { Arn: s.target.Arn } })),
    };
  }

  private disarm(key: string): void {
    this.timers.get(key)?.abort();
    this.timers.delete(key);
  }

  private arm(key: string): void {
    this.disarm(key);
    const schedule = this.store.get()[key];
    if (!schedule || schedule.state !== 'ENABLED' || this.stopped) return;
    const controller = new AbortController();
    this.timers.set(key, controller);
    const at = schedule.retryAt ?? new Date(Date.parse(schedule.fireAt) + SCHEDULE_LAG_MS).toISOString();
    void this.clock.sleepUntil(new Date(at), controller.signal).then(() => {
      if (controller.signal.aborted || this.stopped) return;
      this.timers.delete(key);
      void this.fire(key, schedule);
    });
  }

  private async fire(key: string, schedule: StoredSchedule): Promise<void> {
    const payload = schedule.target.Input ? (JSON.parse(schedule.target.Input) as unknown) : {};
    try {
      await this.invoke(schedule.target.Arn, payload);
    } catch (error) {
      if (this.store.get()[key] !== schedule) return;
      const attempts = schedule.attempts + 1;
      if (attempts > (schedule.target.RetryPolicy?.MaximumRetryAttempts ?? 185)) {
        console.error(`sandbox: schedule ${schedule.name} failed ${attempts} times and is given up: ${(error as Error).message}`);
        this.store.update((all) => {
          delete all[key];
        });
        return;
      }
      this.store.update(() => {
        schedule.attempts = attempts;
        schedule.retryAt = new Date(this.clock.nowMs() + RETRY_AFTER_MS).toISOString();
      });
      this.arm(key);
      return;
    }
    // A schedule updated while it ran is the new schedule's to finish.
    if (this.store.get()[key] !== schedule) return;
    this.store.update((all) => {
      if (schedule.actionAfterCompletion === 'DELETE') delete all[key];
      else all[key] = { ...schedule, state: 'DISABLED' };
    });
  }
}
