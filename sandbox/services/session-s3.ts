import type { AwsCall, AwsResponse } from '../http/aws-call';
import type { ServiceEmulation } from './service';

/**
 * S3 for minted sessions in target accounts: calls on a bucket the sandbox holds (a trail's bucket of log
 * files, which the audit reader reads) go to the sandbox's S3; every other bucket is the target account's
 * own, which the sandbox does not hold, so the call is only authorized and recorded (the fallback).
 */
export class SessionS3 implements ServiceEmulation {
  readonly signingNames = ['s3'];

  constructor(
    private readonly held: { hasBucket(bucket: string): boolean; handle(call: AwsCall): Promise<AwsResponse> },
    private readonly heldBuckets: readonly string[],
    private readonly fallback: ServiceEmulation,
  ) {}

  handle(call: AwsCall): Promise<AwsResponse> {
    const host = (call.headers.host ?? '').split(':')[0];
    const first = decodeURIComponent(call.path.split('?')[0].split('/')[1] ?? '');
    const bucket = this.heldBuckets.find((b) => host.startsWith(`${b}.`)) ?? (this.heldBuckets.includes(first) ? first : undefined);
    return bucket && this.held.hasBucket(bucket) ? this.held.handle(call) : this.fallback.handle(call);
  }
}
