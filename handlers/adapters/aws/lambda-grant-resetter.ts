import type { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import type { GrantResetter, RevokedGrantReset } from '../../ports/grant-resetter';
import type { ResetOutcome } from '../../core/reset-outcome';
import { invokeFunction } from './invoke-function';

const resultSchema = z.object({ outcome: z.enum(['reset', 'already-reset', 'not-current']) });

/** Error a Lambda function raised, as Invoke reports it (`FunctionError` set, error in the payload). */
export class ResetInvocationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ResetInvocationError';
  }
}

/** Resets a grant by invoking the broker's reset function synchronously. */
export class LambdaGrantResetter implements GrantResetter {
  constructor(
    private readonly client: LambdaClient,
    private readonly resetFunctionArn: string,
  ) {}

  async reset(input: RevokedGrantReset): Promise<ResetOutcome> {
    const result = await invokeFunction(this.client, this.resetFunctionArn, input);
    if (!result.ok) throw new ResetInvocationError(`The reset function failed: ${result.message}`);
    const text = result.text;
    const parsed = resultSchema.safeParse(text ? JSON.parse(text) : undefined);
    if (!parsed.success) throw new ResetInvocationError(`The reset function returned an unexpected result: ${text.slice(0, 200)}`);
    return parsed.data.outcome;
  }
}
