import * as Sqs from '@aws-sdk/client-sqs';
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
import { type QueuedMessage, SqsModel, inMemorySqsStore } from '../../sandbox/models/sqs';
import { asSdkCall, sdkError } from './sdk-error';
import { AwsError } from '../../sandbox/models/aws-error';

/**
 * One SQS standard queue at the SDK boundary, over the SQS model (sandbox/models/sqs.ts) the sandbox
 * serves too: visibility timeouts, receipt handles and long polls are the model's. Time is real time.
 */
export class FakeSqs {
  readonly mock = mockClient(SQSClient);
  private readonly model = new SqsModel(inMemorySqsStore(), () => Date.now());
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
      try {
        const received = await this.model.receiveMessage(queueName, {
          ...(input.MaxNumberOfMessages !== undefined ? { maxNumberOfMessages: input.MaxNumberOfMessages } : {}),
          ...(input.VisibilityTimeout !== undefined ? { visibilityTimeout: input.VisibilityTimeout } : {}),
          ...(input.WaitTimeSeconds !== undefined ? { waitTimeSeconds: input.WaitTimeSeconds } : {}),
        });
        return { Messages: received.map((m) => ({ MessageId: m.messageId, ReceiptHandle: m.receiptHandle, Body: m.body, MD5OfBody: m.md5OfBody })) };
      } catch (error) {
        throw error instanceof AwsError ? sdkError(error, Sqs) : error;
      }
    });
    this.mock.on(DeleteMessageCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string }) => {
      this.checkUrl(input.QueueUrl);
      this.model.deleteMessages(queueName, [input.ReceiptHandle]);
      return {};
    });
    this.mock.on(DeleteMessageBatchCommand).callsFake((input: { QueueUrl: string; Entries?: Array<{ Id: string; ReceiptHandle: string }> }) => {
      this.checkUrl(input.QueueUrl);
      const entries = (input.Entries ?? []).map((e) => ({ id: e.Id, receiptHandle: e.ReceiptHandle }));
      const result = asSdkCall(() => this.model.deleteMessageBatch(queueName, entries), Sqs);
      return {
        Successful: result.successful.map((e) => ({ Id: e.id })),
        Failed: result.failed.map((e) => ({ Id: e.id, Code: e.code, Message: e.message, SenderFault: e.senderFault })),
      };
    });
    this.mock.on(ChangeMessageVisibilityCommand).callsFake((input: { QueueUrl: string; ReceiptHandle: string; VisibilityTimeout: number }) => {
      this.checkUrl(input.QueueUrl);
      asSdkCall(() => this.model.changeMessageVisibility(queueName, input.ReceiptHandle, input.VisibilityTimeout), Sqs);
      return {};
    });
  }

  /** The queue's messages, oldest first, in flight or not. */
  get messages(): readonly QueuedMessage[] {
    return this.model.messages(this.queueName);
  }

  send(body: string): void {
    this.model.sendMessage(this.queueName, body);
  }

  private checkUrl(url: string): void {
    if (url !== this.queueUrl) throw new QueueDoesNotExist({ message: `No queue ${url}`, $metadata: {} });
  }

  restore(): void {
    this.mock.restore();
  }
}
