/**
 * The shape of the request table, shared by the stack that creates it (`infra/constructs/request-table.ts`)
 * and the adapter that reads and writes it (`handlers/adapters/aws/dynamodb-request-store.ts`).
 */

/** The table's partition key: one item per request. */
export const REQUEST_KEY = 'requestId';

/**
 * The attribute DynamoDB's TTL reads: the item's expiry in epoch seconds. DynamoDB deletes an item some
 * time after that moment passes.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 */
export const TTL_ATTRIBUTE = 'expiresAtEpoch';

/**
 * Global secondary index on `status` (sort key `requestedAt`) that lists pending requests for
 * `jit pending`. It projects only what an approver reads, never the task token or link hashes.
 */
export const STATUS_INDEX = 'byStatus';

/** The status index's partition and sort keys. */
export const STATUS_INDEX_KEYS = { partition: 'status', sort: 'requestedAt' } as const;

/** Attributes the status index projects besides its keys and the table key. */
export const STATUS_INDEX_ATTRIBUTES = [
  'accountId',
  'accountName',
  'role',
  'minutes',
  'reason',
  'plannedActions',
  'requester',
  'approvalDeadline',
] as const;

/**
 * What `jit-auditor` may read of a request record (a projected GetItem, `dynamodb:Attributes`): where its
 * audit report is and the digests published with it. Never the task token or the link hashes.
 */
export const AUDITOR_READABLE_ATTRIBUTES = ['requestId', 'accountId', 'report'] as const;
