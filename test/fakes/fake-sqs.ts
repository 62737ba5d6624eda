import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

interface Message {
  readonly id: string;
  readonly body: string;
  /** Epoch ms before which the message is in flight (invisible). */
  visibleAt: number;
  receipt?: string;
}

/**
 * One SQS standard queue at the SDK boundary, with the semantics waiters rely on: a received message is
 * invisible for the VisibilityTimeout, then visible again; only its latest receipt handle deletes it;
 * a long poll returns as soon as a message is visible, or after WaitTimeSeconds. Time is real time.
 */
export class FakeSqs {
  readonly mock = mockClient(SQSClient);
  readonly messages: Message[] = [];
  receives = 0;

  constructor(
    readonly queueName: string,
    readonly queueUrl = `https://sqs.eu-west-1.amazonaws.com/111111111111/${queueName}`,
  ) {
    this.mock.on(GetQueueUrlCommand).callsFake((input: { QueueName: string }) => {
      if (input.QueueName !== queueName) throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} });
      return { QueueUrl: queueUrl };
    });
    this.mock.on(ReceiveMessageCommand).callsFake(async (input: { QueueUrl: string; MaxNumberOfMessages?: number; WaitTimeSeconds?: number; VisibilityTimeout?: number }) => {
      this.checkUrl(input.QueueUrl);
      this.receives += 1;
      const deadline = Date.now() + (input.WaitTimeSeconds ?? 0) * 1000;
      for (;;) {
        const now = Date.now();
        const visible = this.messages.filter((m) => m.visibleAt <= now).slice(0, input.MaxNumberOfMessages ?? 1);
        if (visible.length > 0 || now >= deadline) {
          for (const m of visible) {
            m.visibleAt = now + (input.VisibilityTimeout ?? 30) * 1000;
            m.receipt = randomUUID();
          }
          return { Messages: visible.map((m) => ({ MessageId: m.id, ReceiptHandle: m.receipt, Body: m.body })) };
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    const remove = (receipt: string) => {
      const i = this.messages.findIndex((m) => m.receipt === receipt);
      if (i >= 0) this.messages.splice(i, 1);
    };
    this.mock.on(DeleteMessageCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string }) => {
      this.checkUrl(input.QueueUrl);
      remove(input.ReceiptHandle);
      return {};
    });
    this.mock.on(DeleteMessageBatchCommand).callsFake((input: { QueueUrl: string; Entries: Array<{ Id: string; ReceiptHandle: string }> }) => {
      this.checkUrl(input.QueueUrl);
      for (const e of input.Entries) remove(e.ReceiptHandle);
      return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
    });
    this.mock.on(ChangeMessageVisibilityCommand).callsFake((input: { ReceiptHandle: string; VisibilityTimeout: number }) => {
      const m = this.messages.find((x) => x.receipt === input.ReceiptHandle);
      if (m) m.visibleAt = Date.now() + input.VisibilityTimeout * 1000;
      return {};
    });
  }

  send(body: string): void {
    this.messages.push({ id: randomUUID(), body, visibleAt: 0 });
  }

  private checkUrl(url: string): void {
    if (url !== this.queueUrl) throw new QueueDoesNotExist({ message: `No queue ${url}`, $metadata: {} });
  }

  restore(): void {
    this.mock.restore();
  }
}
