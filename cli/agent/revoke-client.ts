import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';

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

export type RevokeAnswer = z.infer<typeof resultSchema>;

/** Invokes the broker's revoke function with the approver's credentials and reads its answer. */
export async function invokeRevoke(client: LambdaClient, functionName: string, payload: { requestId: string; proof: string; reason?: string }): Promise<RevokeAnswer> {
  const result = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify({ action: 'revoke', ...payload })) }),
  );
  const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
  if (result.FunctionError) {
    let message = text;
    try {
      const error = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      message = `${error.errorType ?? 'Error'}: ${error.errorMessage ?? ''}`;
    } catch {
      // keep the raw text
    }
    throw new CliError(`The revoke function failed: ${message.slice(0, 500)}`, EXIT.FAILURE, 'Every step is idempotent: run jit revoke again.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = resultSchema.safeParse(json);
  if (!parsed.success) throw new CliError(`The revoke function answered something unexpected: ${text.slice(0, 200)}`, EXIT.FAILURE);
  return parsed.data;
}
