import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { type BatchEntry, type QueuedMessage, SqsModel } from '../models/sqs';
import { JournaledJsonFile } from '../store/json-file';
import { type SynthesizedStack, arnOf, resourcesOfType } from '../template/deployed-template';
import { type JsonOperation, type ServiceEmulation, handleJson, requiredString } from './service';

/** The entries of a *Batch call as the JSON protocol sends them; how many and which Ids is the model's to check. */
function batchEntries(input: Record<string, unknown>): BatchEntry[] {
  const entries = input.Entries ?? [];
  if (!Array.isArray(entries)) throw new AwsError('InvalidParameterValue', 'Entries must be a list.', 400);
  return entries.map((e: unknown) => {
    const entry = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    return { id: requiredString(entry, 'Id', 'MissingParameter'), receiptHandle: requiredString(entry, 'ReceiptHandle', 'MissingParameter') };
  });
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

/**
 * SQS for the queues the broker stack defines (the agent's notification queue, the dead-letter queue):
 * GetQueueUrl, SendMessage, ReceiveMessage (with long polling and visibility timeouts), DeleteMessage,
 * DeleteMessageBatch and ChangeMessageVisibility, over the JSON protocol; EventBridge rules deliver events to them. Visibility,
 * receipt handles, retention and long polls are the model's (sandbox/models/sqs.ts): visibility runs on
 * the sandbox clock, a long poll waits real seconds (it is the caller's network wait, not broker time).
 * Kept in `$JIT_HOME/sqs.json`.
 */
export class SqsEmulation implements ServiceEmulation {
  readonly signingNames = ['sqs'];
  private readonly model: SqsModel;
  private readonly byName = new Map<string, QueueDefinition>();

  constructor(
    queues: readonly QueueDefinition[],
    home: string,
    private readonly hub: { account: string; region: string },
    private readonly authorizer: Authorizer,
    clock: SandboxClock,
  ) {
    this.model = new SqsModel(new JournaledJsonFile<QueuedMessage[]>(join(home, 'sqs.json')), () => clock.nowMs());
    for (const queue of queues) this.byName.set(queue.name, queue);
  }

  /** Delivers a message (an EventBridge target). */
  deliver(queueArn: string, body: string): boolean {
    const queue = [...this.byName.values()].find((q) => q.arn === queueArn);
    if (!queue) return false;
    this.model.sendMessage(queue.name, body);
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
        const sent = this.model.sendMessage(queue.name, requiredString(input, 'MessageBody'));
        return { MessageId: sent.messageId, MD5OfMessageBody: sent.md5OfMessageBody };
      },
      ReceiveMessage: (input) => this.receive(call, input),
      DeleteMessage: (input) => {
        const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
        this.authorize(call, 'sqs:DeleteMessage', queue);
        this.model.deleteMessages(queue.name, [requiredString(input, 'ReceiptHandle')]);
        return {};
      },
      DeleteMessageBatch: (input) => {
        const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
        this.authorize(call, 'sqs:DeleteMessage', queue);
        const result = this.model.deleteMessageBatch(queue.name, batchEntries(input));
        return {
          Successful: result.successful.map((e) => ({ Id: e.id })),
          Failed: result.failed.map((e) => ({ Id: e.id, Code: e.code, Message: e.message, SenderFault: e.senderFault })),
        };
      },
      ChangeMessageVisibility: (input) => {
        const queue = this.fromUrl(requiredString(input, 'QueueUrl'));
        this.authorize(call, 'sqs:ChangeMessageVisibility', queue);
        this.model.changeMessageVisibility(queue.name, requiredString(input, 'ReceiptHandle'), Number(input.VisibilityTimeout));
        return {};
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
    const number = (name: string) => (input[name] === undefined ? undefined : Number(input[name]));
    const [max, visibility, wait] = [number('MaxNumberOfMessages'), number('VisibilityTimeout'), number('WaitTimeSeconds')];
    const received = await this.model.receiveMessage(queue.name, {
      ...(max !== undefined ? { maxNumberOfMessages: max } : {}),
      ...(visibility !== undefined ? { visibilityTimeout: visibility } : {}),
      ...(wait !== undefined ? { waitTimeSeconds: wait } : {}),
    });
    return {
      Messages: received.map((m) => ({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        Body: m.body,
        MD5OfBody: m.md5OfBody,
        Attributes: { ApproximateReceiveCount: String(m.approximateReceiveCount), SentTimestamp: String(m.sentTimestamp) },
      })),
    };
  }
}
