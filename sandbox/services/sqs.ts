import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { JsonFile } from '../store/json-file';
import { type SynthesizedStack, arnOf, resourcesOfType } from '../template/deployed-template';
import { type JsonOperation, type ServiceEmulation, handleJson, requiredString } from './service';

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  /** Sandbox time (ms) until which a received message stays invisible. */
  invisibleUntil: number;
  receipt?: string;
  receives: number;
}

export interface QueueDefinition {
  readonly name: string;
  readonly arn: string;
}

/** The queues a synthesized stack defines. */
export function queuesOf(stack: SynthesizedStack): QueueDefinition[] {
  return resourcesOfType(stack, 'AWS::SQS::Queue').map(([id, resource]) => {
    const arn = arnOf(stack, id, resource);
    return { name: arn.slice(arn.lastIndexOf(':') + 1), arn };
  });
}

/** SQS keeps a message 4 days by default; the sandbox drops older ones. */
const RETENTION_MS = 4 * 86_400_000;

/**
 * SQS for the queues the broker stack defines (the agent's notification queue, the dead-letter queue):
 * GetQueueUrl, SendMessage, ReceiveMessage (with long polling and visibility timeouts), DeleteMessage and
 * DeleteMessageBatch, over the JSON protocol; EventBridge rules deliver events to them. Kept in
 * `$JIT_HOME/sqs.json`.
 */
export class SqsEmulation implements ServiceEmulation {
  readonly signingNames = ['sqs'];
  private readonly store: JsonFile<Record<string, StoredMessage[]>>;
  private readonly byName = new Map<string, QueueDefinition>();

  constructor(
    queues: readonly QueueDefinition[],
    home: string,
    private readonly hub: { account: string; region: string },
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
  ) {
    this.store = new JsonFile(join(home, 'sqs.json'), () => ({}));
    for (const queue of queues) this.byName.set(queue.name, queue);
  }

  /** Delivers a message (an EventBridge target). */
  deliver(queueArn: string, body: string): boolean {
    const queue = [...this.byName.values()].find((q) => q.arn === queueArn);
    if (!queue) return false;
    this.store.update((all) => {
      const now = this.clock.nowMs();
      all[queue.name] = [...(all[queue.name] ?? []).filter((m) => now - m.sentAt < RETENTION_MS), { id: randomUUID(), body, sentAt: now, invisibleUntil: 0, receives: 0 }];
    });
    return true;
  }

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = {
      GetQueueUrl: (input) => {
        const queue = this.named(requiredString(input, 'QueueName', 'QueueDoesNotExist'));
        this.authorize(call, 'sqs:GetQueueUrl', queue);
        return { QueueUrl: this.urlOf(call, queue) };
      },
      SendMessage: (input) => {
        const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
        this.authorize(call, 'sqs:SendMessage', queue);
        const body = requiredString(input, 'MessageBody');
        this.deliver(queue.arn, body);
        const stored = this.store.get()[queue.name].at(-1) as StoredMessage;
        return { MessageId: stored.id, MD5OfMessageBody: createHash('md5').update(body).digest('hex') };
      },
      ReceiveMessage: (input) => this.receive(call, input),
      DeleteMessage: (input) => {
        const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
        this.authorize(call, 'sqs:DeleteMessage', queue);
        this.remove(queue, [requiredString(input, 'ReceiptHandle')]);
        return {};
      },
      DeleteMessageBatch: (input) => {
        const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
        this.authorize(call, 'sqs:DeleteMessage', queue);
        const entries = (input.Entries as Array<{ Id: string; ReceiptHandle: string }> | undefined) ?? [];
        this.remove(queue, entries.map((e) => e.ReceiptHandle));
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      },
    };
    return handleJson(call, 'SQS', '1.0', operations);
  }

  private named(name: string): QueueDefinition {
    const queue = this.byName.get(name);
    if (!queue) throw new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
    return queue;
  }

  private fromUrl(url: string): QueueDefinition {
    return this.named(url.slice(url.lastIndexOf('/') + 1));
  }

  private urlOf(call: AwsCall, queue: QueueDefinition): string {
    const host = call.headers.host ?? '127.0.0.1';
    return `http://${host}/${this.hub.account}/${queue.name}`;
  }

  private authorize(call: AwsCall, action: string, queue: QueueDefinition): void {
    this.authorizer.authorize(call, action, queue.arn);
    call.note.resources.push({ type: 'AWS::SQS::Queue', name: queue.arn });
  }

  private async receive(call: AwsCall, input: Record<string, unknown>) {
    const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
    this.authorize(call, 'sqs:ReceiveMessage', queue);
    const max = Math.min(Math.max(Number(input.MaxNumberOfMessages ?? 1), 1), 10);
    const visibility = Number(input.VisibilityTimeout ?? 30) * 1000;
    // Long polling waits real seconds: it is the caller's network wait, not broker time.
    const until = Date.now() + Math.min(Math.max(Number(input.WaitTimeSeconds ?? 0), 0), 20) * 1000;
    for (;;) {
      const now = this.clock.nowMs();
      const visible = (this.store.get()[queue.name] ?? []).filter((m) => m.invisibleUntil <= now).slice(0, max);
      if (visible.length > 0 || Date.now() >= until) {
        this.store.update(() => {
          for (const m of visible) {
            m.invisibleUntil = now + visibility;
            m.receipt = randomUUID();
            m.receives += 1;
          }
        });
        return {
          Messages: visible.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receipt,
            Body: m.body,
            MD5OfBody: createHash('md5').update(m.body).digest('hex'),
            Attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(m.sentAt) },
          })),
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private remove(queue: QueueDefinition, receipts: readonly string[]): void {
    this.store.update((all) => {
      all[queue.name] = (all[queue.name] ?? []).filter((m) => !m.receipt || !receipts.includes(m.receipt));
    });
  }
}
