import type { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import type { RevokeResult } from '../../use-cases/revoke-result';
import { invokeFunction } from './invoke-function';

const resultSchema = z.object({
  kind: z.enum(['revoked', 'already-revoked', 'not-found', 'not-active', 'refused']),
  requestId: z.string(),
  status: z.string().optional(),
  accountId: z.string().optional(),
  accountName: z.string().optional(),
  role: z.string().optional(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
  revokeReason: z.string().optional(),
  reason: z.string().optional(),
});

/** The revoke function failed or answered something it never answers. */
export class RevokeInvocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevokeInvocationError';
  }
}

/**
 * Hands an approver's `jit revoke` to the broker's revoke function (`approver-revoke`), which does the
 * revocation with the broker's own roles. The approval function is the only principal besides the
 * broker's schedules and rules that may invoke it.
 */
export class LambdaRevoker {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async revoke(input: { requestId: string; approver: string; reason?: string }): Promise<RevokeResult> {
    const result = await invokeFunction(this.client, this.functionName, { action: 'approver-revoke', ...input });
    if (!result.ok) throw new RevokeInvocationError(`The revoke function failed: ${result.message}`);
    let json: unknown;
    try {
      json = JSON.parse(result.text);
    } catch {
      json = undefined;
    }
    const parsed = resultSchema.safeParse(json);
    if (!parsed.success) throw new RevokeInvocationError(`The revoke function answered something unexpected: ${result.text.slice(0, 200)}`);
    return parsed.data;
  }
}
