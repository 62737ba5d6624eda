import { createHash, randomUUID } from 'node:crypto';
import { AwsError } from './aws-error';

export interface QueuedMessage {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  /** Epoch ms (by the model's clock) until which a received message stays invisible. */
  invisibleUntil: number;
  /** The receipt handle of the latest receive: the only one that deletes the message. */
  receipt?: string;
  receives: number;
}

/** Queue name → messages, oldest first; `update` changes the value in place and writes it through. */
export interface SqsStore {
  get(): Record<string, QueuedMessage[]>;
  update<R>(change: (all: Record<string, QueuedMessage[]>) => R): R;
}

export function inMemorySqsStore(): SqsStore {
  const all: Record<string, QueuedMessage[]> = {};
  return { get: () => all, update: (change) => change(all) };
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly approximateReceiveCount: number;
  readonly sentTimestamp: number;
}

/**
 * A queue keeps a message 4 days unless its MessageRetentionPeriod says otherwise; the broker's queues
 * keep the default.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
const RETENTION_MS = 4 * 86_400_000;

/**
 * A received message stays hidden for the VisibilityTimeout of the call (0 to 43,200 s), else the queue's
 * (30 s by default); at most 10 messages a call (1 by default); a long poll waits 0 to 20 s.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 */
const DEFAULT_VISIBILITY_SECONDS = 30;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_MESSAGES = 10;
const MAX_WAIT_SECONDS = 20;

/** How a long poll waits: on the caller's clock (real time), whatever clock visibility runs on. */
export interface PollClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTime: PollClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

function inRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
    throw new AwsError('InvalidParameterValue', `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`, 400);
  }
  return value;
}

/**
 * Every *Batch call takes 1 to 10 entries, each with an Id of up to 80 letters, digits, hyphens and
 * underscores, distinct within the call; anything else refuses the whole call. Checked here, once, for
 * every batch call the model answers.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatchRequestEntry.html
 */
const MAX_BATCH_ENTRIES = 10;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export function checkBatchEntries(ids: readonly string[]): void {
  if (ids.length === 0) throw new AwsError('EmptyBatchRequest', "The batch request doesn't contain any entries.", 400);
  if (ids.length > MAX_BATCH_ENTRIES) {
    throw new AwsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${ids.length}.`, 400);
  }
  const invalid = ids.find((id) => !BATCH_ENTRY_ID.test(id));
  if (invalid !== undefined) {
    throw new AwsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.', 400);
  }
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new AwsError('BatchEntryIdsNotDistinct', `Id ${repeated} repeated.`, 400);
}

export interface BatchEntry {
  readonly id: string;
  readonly receiptHandle: string;
}

export interface BatchResult {
  readonly successful: ReadonlyArray<{ readonly id: string }>;
  readonly failed: ReadonlyArray<{ readonly id: string; readonly code: string; readonly message: string; readonly senderFault: boolean }>;
}

export const md5Of = (body: string) => createHash('md5').update(body).digest('hex');

/**
 * SQS standard queues with the semantics waiters rely on: a received message is invisible for the
 * visibility timeout, then visible again with a new receipt handle; only its latest receipt handle
 * deletes it; a long poll returns as soon as a message is visible, or after WaitTimeSeconds.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
export class SqsModel {
  constructor(
    private readonly store: SqsStore,
    /** The clock visibility and retention run on (the sandbox's, possibly faster than real time). */
    private readonly now: () => number,
    private readonly poll: PollClock = realTime,
  ) {}

  /** @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html */
  sendMessage(queue: string, body: string): { messageId: string; md5OfMessageBody: string } {
    const id = randomUUID();
    this.store.update((all) => {
      const now = this.now();
      all[queue] = [...(all[queue] ?? []).filter((m) => now - m.sentAt < RETENTION_MS), { id, body, sentAt: now, invisibleUntil: 0, receives: 0 }];
    });
    return { messageId: id, md5OfMessageBody: md5Of(body) };
  }

  /** @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html */
  async receiveMessage(queue: string, input: { maxNumberOfMessages?: number; visibilityTimeout?: number; waitTimeSeconds?: number }): Promise<ReceivedMessage[]> {
    const max = inRange('MaxNumberOfMessages', input.maxNumberOfMessages ?? 1, 1, MAX_MESSAGES);
    const visibility = inRange('VisibilityTimeout', input.visibilityTimeout ?? DEFAULT_VISIBILITY_SECONDS, 0, MAX_VISIBILITY_SECONDS) * 1000;
    const until = this.poll.now() + inRange('WaitTimeSeconds', input.waitTimeSeconds ?? 0, 0, MAX_WAIT_SECONDS) * 1000;
    for (;;) {
      const now = this.now();
      const visible = (this.store.get()[queue] ?? []).filter((m) => m.invisibleUntil <= now && now - m.sentAt < RETENTION_MS).slice(0, max);
      if (visible.length > 0 || this.poll.now() >= until) {
        this.store.update(() => {
          for (const m of visible) {
            m.invisibleUntil = now + visibility;
            m.receipt = randomUUID();
            m.receives += 1;
          }
        });
        return visible.map((m) => ({
          messageId: m.id,
          receiptHandle: m.receipt as string,
          body: m.body,
          md5OfBody: md5Of(m.body),
          approximateReceiveCount: m.receives,
          sentTimestamp: m.sentAt,
        }));
      }
      await this.poll.sleep(20);
    }
  }

  /**
   * Deletes the messages whose latest receipt handle is given; an older handle deletes nothing.
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
   */
  deleteMessages(queue: string, receiptHandles: readonly string[]): void {
    this.store.update((all) => {
      all[queue] = (all[queue] ?? []).filter((m) => !m.receipt || !receiptHandles.includes(m.receipt));
    });
  }

  /**
   * DeleteMessage for up to 10 messages: each entry as DeleteMessage would delete it.
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
   */
  deleteMessageBatch(queue: string, entries: readonly BatchEntry[]): BatchResult {
    checkBatchEntries(entries.map((e) => e.id));
    this.deleteMessages(
      queue,
      entries.map((e) => e.receiptHandle),
    );
    return { successful: entries.map((e) => ({ id: e.id })), failed: [] };
  }

  /**
   * Hides a message in flight for `seconds` from now (0 makes it visible at once). Only the handle of
   * the message's latest receive names it: any other handle (never given, replaced by a later receive,
   * of a deleted message) is refused as ReceiptHandleIsInvalid, and a message whose visibility timeout
   * has passed is no longer in flight (MessageNotInflight). AWS documents both codes without saying
   * which a replaced handle gets; the sandbox refuses it rather than move a message it no longer holds.
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
   */
  changeMessageVisibility(queue: string, receiptHandle: string, seconds: number): void {
    const timeout = inRange('VisibilityTimeout', seconds, 0, MAX_VISIBILITY_SECONDS);
    this.store.update((all) => {
      const now = this.now();
      const message = (all[queue] ?? []).find((m) => m.receipt === receiptHandle);
      if (!message) throw new AwsError('ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`, 400);
      if (message.invisibleUntil <= now) throw new AwsError('MessageNotInflight', "The specified message isn't in flight.", 400);
      message.invisibleUntil = now + timeout * 1000;
    });
  }

  /** The messages of a queue, oldest first (in flight or not). */
  messages(queue: string): readonly QueuedMessage[] {
    return this.store.get()[queue] ?? [];
  }
}
