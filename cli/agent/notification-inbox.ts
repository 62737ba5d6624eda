import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type BrokerNotification, parseBrokerNotification } from '../../handlers/core/broker-notification';

/** One message of the agent's notification queue. */
export interface InboxMessage {
  /** Handle to delete it with. */
  readonly receipt: string;
  /** The broker event it carries, or undefined when it is not one. */
  readonly notification?: BrokerNotification;
}

/**
 * The agent's notification queue. Receiving hides a message from other readers for a couple of seconds
 * only, so a waiter that receives an outcome meant for another waiter does not keep it from them; only
 * messages the reader has dealt with are deleted.
 */
export interface NotificationInbox {
  receive(waitSeconds: number): Promise<InboxMessage[]>;
  delete(messages: readonly InboxMessage[]): Promise<void>;
}

/** Seconds a received message stays hidden from other waiters. */
export const FOREIGN_HIDE_SECONDS = 2;

/** The notification queue in SQS, found by its fixed name. */
export class SqsNotificationInbox implements NotificationInbox {
  private url?: Promise<string>;

  constructor(
    private readonly client: SQSClient,
    private readonly queueName: string,
  ) {}

  private queueUrl(): Promise<string> {
    this.url ??= (async () => {
      const found = await this.client.send(new GetQueueUrlCommand({ QueueName: this.queueName }));
      if (!found.QueueUrl) throw new Error(`SQS returned no URL for queue ${this.queueName}.`);
      return found.QueueUrl;
    })();
    return this.url;
  }

  async receive(waitSeconds: number): Promise<InboxMessage[]> {
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: await this.queueUrl(),
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: Math.max(0, Math.min(20, Math.floor(waitSeconds))),
        VisibilityTimeout: FOREIGN_HIDE_SECONDS,
      }),
    );
    return (result.Messages ?? []).flatMap((m) => {
      if (!m.ReceiptHandle) return [];
      const notification = m.Body ? parseBrokerNotification(m.Body) : undefined;
      return [{ receipt: m.ReceiptHandle, ...(notification ? { notification } : {}) }];
    });
  }

  async delete(messages: readonly InboxMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: await this.queueUrl(),
          Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.receipt })),
        }),
      );
    }
  }
}
