import { SqsModel, inMemorySqsStore } from '../../../sandbox/models/sqs';

const QUEUE = 'jit-agent-notifications';

/** A model on a clock the test moves; long polls wait on the same clock, and sleeping moves it. */
function newModel() {
  let now = Date.parse('2026-11-28T10:00:00Z');
  const clock = { now: () => now, sleep: async (ms: number) => void (now += ms), advance: (ms: number) => void (now += ms) };
  return { model: new SqsModel(inMemorySqsStore(), clock.now, clock), clock };
}

describe('SQS model', () => {
  // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
  it('hides a received message for the visibility timeout, then shows it again with a new receipt handle', async () => {
    const { model, clock } = newModel();
    model.sendMessage(QUEUE, 'hello');

    const [first] = await model.receiveMessage(QUEUE, { visibilityTimeout: 2 });
    expect(await model.receiveMessage(QUEUE, {})).toEqual([]);
    clock.advance(2000);
    const [second] = await model.receiveMessage(QUEUE, {});

    expect(second).toMatchObject({ messageId: first.messageId, body: 'hello', approximateReceiveCount: 2 });
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
  });

  // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  it('deletes a message only with its latest receipt handle', async () => {
    const { model, clock } = newModel();
    model.sendMessage(QUEUE, 'hello');
    const [first] = await model.receiveMessage(QUEUE, { visibilityTimeout: 0 });
    clock.advance(1);
    const [second] = await model.receiveMessage(QUEUE, {});

    model.deleteMessages(QUEUE, [first.receiptHandle]);
    expect(model.messages(QUEUE)).toHaveLength(1);
    model.deleteMessages(QUEUE, [second.receiptHandle]);
    expect(model.messages(QUEUE)).toHaveLength(0);
  });

  // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  it('makes a message visible again at once when its visibility is changed to 0', async () => {
    const { model } = newModel();
    model.sendMessage(QUEUE, 'hello');
    const [received] = await model.receiveMessage(QUEUE, { visibilityTimeout: 60 });

    model.changeMessageVisibility(QUEUE, received.receiptHandle, 0);

    expect(await model.receiveMessage(QUEUE, {})).toHaveLength(1);
  });

  // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  it('refuses MaxNumberOfMessages outside 1..10, WaitTimeSeconds above 20 and VisibilityTimeout above 12 hours, rather than clamping', async () => {
    const { model } = newModel();
    model.sendMessage(QUEUE, 'hello');

    await expect(model.receiveMessage(QUEUE, { maxNumberOfMessages: 11 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(model.receiveMessage(QUEUE, { maxNumberOfMessages: 0 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(model.receiveMessage(QUEUE, { waitTimeSeconds: 21 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(model.receiveMessage(QUEUE, { visibilityTimeout: 43_201 })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    expect(model.messages(QUEUE)[0].receives).toBe(0);
  });

  it('returns at most MaxNumberOfMessages, oldest first, and a long poll with nothing visible returns empty after WaitTimeSeconds', async () => {
    const { model, clock } = newModel();
    for (let i = 0; i < 12; i++) model.sendMessage(QUEUE, `m${i}`);

    expect((await model.receiveMessage(QUEUE, { maxNumberOfMessages: 10 })).map((m) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    await model.receiveMessage(QUEUE, { maxNumberOfMessages: 10 });
    const start = clock.now();
    expect(await model.receiveMessage(QUEUE, { waitTimeSeconds: 5 })).toEqual([]);
    expect(clock.now() - start).toBeGreaterThanOrEqual(5000);
  });

  // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
  it('drops a message after the default retention of 4 days', async () => {
    const { model, clock } = newModel();
    model.sendMessage(QUEUE, 'old');
    clock.advance(4 * 86_400_000);

    expect(await model.receiveMessage(QUEUE, {})).toEqual([]);
  });

  describe('ChangeMessageVisibility', () => {
    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
    it('refuses a receipt handle it never gave, or one a later receive replaced, with ReceiptHandleIsInvalid', async () => {
      const { model, clock } = newModel();
      model.sendMessage(QUEUE, 'hello');
      const [first] = await model.receiveMessage(QUEUE, { visibilityTimeout: 1 });
      clock.advance(1000);
      const [second] = await model.receiveMessage(QUEUE, { visibilityTimeout: 60 });

      expect(() => model.changeMessageVisibility(QUEUE, 'not-a-receipt-handle', 0)).toThrow(expect.objectContaining({ code: 'ReceiptHandleIsInvalid', status: 400 }));
      expect(() => model.changeMessageVisibility(QUEUE, first.receiptHandle, 0)).toThrow(expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }));
      // Neither refused call showed the message again.
      expect(await model.receiveMessage(QUEUE, {})).toEqual([]);
      model.changeMessageVisibility(QUEUE, second.receiptHandle, 0);
      expect(await model.receiveMessage(QUEUE, {})).toHaveLength(1);
    });

    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
    it('refuses a message whose visibility timeout has passed with MessageNotInflight, and a deleted one as an invalid handle', async () => {
      const { model, clock } = newModel();
      model.sendMessage(QUEUE, 'hello');
      model.sendMessage(QUEUE, 'bye');
      const [hello, bye] = await model.receiveMessage(QUEUE, { maxNumberOfMessages: 2, visibilityTimeout: 5 });
      model.deleteMessages(QUEUE, [bye.receiptHandle]);
      clock.advance(5000);

      expect(() => model.changeMessageVisibility(QUEUE, hello.receiptHandle, 30)).toThrow(expect.objectContaining({ code: 'MessageNotInflight', status: 400 }));
      expect(() => model.changeMessageVisibility(QUEUE, bye.receiptHandle, 30)).toThrow(expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }));
      expect(await model.receiveMessage(QUEUE, {})).toHaveLength(1);
    });
  });

  describe('batch calls', () => {
    async function twoReceived() {
      const fixture = newModel();
      fixture.model.sendMessage(QUEUE, 'a');
      fixture.model.sendMessage(QUEUE, 'b');
      const received = await fixture.model.receiveMessage(QUEUE, { maxNumberOfMessages: 2, visibilityTimeout: 60 });
      return { ...fixture, received };
    }

    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
    it('deletes each entry by its receipt handle and reports each Id as successful', async () => {
      const { model, received } = await twoReceived();

      const result = model.deleteMessageBatch(QUEUE, received.map((m, i) => ({ id: `m-${i}`, receiptHandle: m.receiptHandle })));

      expect(result).toEqual({ successful: [{ id: 'm-0' }, { id: 'm-1' }], failed: [] });
      expect(model.messages(QUEUE)).toHaveLength(0);
    });

    // @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html
    it.each([
      ['no entry', () => [], 'EmptyBatchRequest'],
      ['11 entries', (h: string[]) => Array.from({ length: 11 }, (_, i) => ({ id: `e${i}`, receiptHandle: h[0] })), 'TooManyEntriesInBatchRequest'],
      ['two entries with one Id', (h: string[]) => h.map((receiptHandle) => ({ id: 'same', receiptHandle })), 'BatchEntryIdsNotDistinct'],
      ['an Id with a space', (h: string[]) => [{ id: 'not valid', receiptHandle: h[0] }], 'InvalidBatchEntryId'],
      ['an Id of 81 characters', (h: string[]) => [{ id: 'x'.repeat(81), receiptHandle: h[0] }], 'InvalidBatchEntryId'],
    ])('refuses a batch with %s and deletes nothing', async (_name, entriesOf, code) => {
      const { model, received } = await twoReceived();

      expect(() => model.deleteMessageBatch(QUEUE, entriesOf(received.map((m) => m.receiptHandle)))).toThrow(expect.objectContaining({ code, status: 400 }));
      expect(model.messages(QUEUE)).toHaveLength(2);
    });
  });
});
