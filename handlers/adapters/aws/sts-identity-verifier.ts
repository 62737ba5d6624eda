import { TransientAwsError } from '../../core/errors';
import { IDENTITY_PROOF_HEADER, checkIdentityProof } from '../../core/identity-proof';
import type { Clock } from '../../ports/clock';
import type { IdentityVerifier, VerifiedIdentity } from '../../ports/identity-verifier';

export interface StsIdentityVerifierOptions {
  /**
   * The STS endpoint proofs must be signed for and are sent to, e.g. `https://sts.eu-west-1.amazonaws.com`.
   * Never taken from the proof.
   */
  readonly endpoint: string;
  readonly clock: Clock;
  /** @default the global fetch */
  readonly fetch?: typeof fetch;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** The regional STS endpoint of a region (regional endpoints are active in every commercial region). */
export function regionalStsEndpoint(region: string): string {
  return `https://sts.${region}.amazonaws.com`;
}

function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]{1,2048})</${tag}>`).exec(xml)?.[1];
}

/**
 * Verifies a presigned GetCallerIdentity by sending it to STS, from the broker, with the binding header
 * it expects. STS checks the signature, the session token and the expiry; the ARN in its answer is who
 * signed. A 4xx answer means the proof proves nothing; a 5xx or a network fault is thrown as transient.
 */
export class StsIdentityVerifier implements IdentityVerifier {
  private readonly endpoint: URL;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: StsIdentityVerifierOptions) {
    this.endpoint = new URL(options.endpoint);
    this.fetch = options.fetch ?? fetch;
  }

  async verify(proof: string, binding: string): Promise<VerifiedIdentity> {
    const checked = checkIdentityProof(proof, { endpoint: this.endpoint, now: this.options.clock.now() });
    if (!checked.ok) return { ok: false, reason: checked.problems.join('; ') };
    // Only our endpoint and the checked query: a proof cannot send the broker anywhere else.
    const url = `${this.endpoint.origin}/?${checked.value.query}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'GET',
        headers: { [IDENTITY_PROOF_HEADER]: binding, accept: 'text/xml' },
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw new TransientAwsError(`STS could not be reached to verify a proof: ${(error as Error).message}`, { cause: error });
    }
    const body = (await response.text()).slice(0, 16_384);
    if (response.status >= 500) throw new TransientAwsError(`STS answered ${response.status} to a proof.`);
    if (response.status !== 200) {
      const code = xmlText(body, 'Code') ?? `HTTP ${response.status}`;
      return { ok: false, reason: `STS refused it (${code})` };
    }
    const arn = xmlText(body, 'Arn');
    if (!arn || !/^arn:aws[a-z-]*:(sts|iam)::\d{12}:/.test(arn)) return { ok: false, reason: 'STS returned no caller ARN' };
    return { ok: true, arn };
  }
}
