import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { restJsonOk } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import { writeJsonAtomicOffThread } from '../store/json-file';
import { writeFile } from 'node:fs/promises';
import type { ServiceEmulation } from './service';

/** What the outbox lists about each email; the message itself is the `.eml` beside it. */
export interface OutboxEntry {
  readonly id: string;
  /** File name of the `.eml` in the outbox folder. */
  readonly file: string;
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** Sandbox time, ISO 8601. */
  readonly date: string;
  readonly text: string;
  readonly html: string;
}

interface Content {
  readonly Data?: string;
}

/**
 * SESv2 SendEmail: every message becomes a standard `.eml` file (multipart/alternative, text and HTML,
 * built by nodemailer's MIME composer) in `$JIT_HOME/outbox/`, which any mail client opens, plus a small
 * JSON index entry the `/outbox` page lists. Sending is authorized as SES does: on the sender's identity,
 * with `ses:FromAddress`.
 */
export class SesV2Emulation implements ServiceEmulation {
  readonly signingNames = ['ses'];
  readonly folder: string;
  private readonly listeners: Array<(entry: OutboxEntry) => void> = [];

  constructor(
    home: string,
    private readonly hub: { account: string; region: string },
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    /** Identities the sandbox's SES account has verified: the config's sender and approvers. */
    private readonly verified: readonly string[] = [],
  ) {
    this.folder = join(home, 'outbox');
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
  }

  onEmail(listener: (entry: OutboxEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Every email sent, oldest first. */
  list(): OutboxEntry[] {
    if (!existsSync(this.folder)) return [];
    return readdirSync(this.folder)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.folder, f), 'utf8')) as OutboxEntry);
  }

  async handle(call: AwsCall): Promise<AwsResponse> {
    const path = call.path.split('?')[0];
    if (call.method === 'GET' && path === '/v2/email/account') return this.getAccount(call);
    const identity = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
    if (call.method === 'GET' && identity) return this.getEmailIdentity(call, decodeURIComponent(identity[1]));
    if (call.method !== 'POST' || path !== '/v2/email/outbound-emails') throw notEmulated('SESv2', `${call.method} ${path}`);
    call.note.operation = 'SendEmail';
    return restJsonOk(await this.sendEmail(call, JSON.parse(call.body.toString('utf8') || '{}') as Record<string, unknown>));
  }

  /**
   * The sandbox's SES account is in the SES sandbox (it delivers to its outbox only) with sending enabled.
   * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html
   */
  private getAccount(call: AwsCall): AwsResponse {
    call.note.operation = 'GetAccount';
    call.note.readOnly = true;
    this.authorizer.authorize(call, 'ses:GetAccount', '*');
    return restJsonOk({
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: false,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: this.list().length },
    });
  }

  /**
   * The config's sender and approvers are verified email identities; anything else is unknown
   * (`NotFoundException`, 404), as SES answers for an identity it does not have.
   * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetEmailIdentity.html
   */
  private getEmailIdentity(call: AwsCall, identity: string): AwsResponse {
    call.note.operation = 'GetEmailIdentity';
    call.note.readOnly = true;
    const arn = `arn:aws:ses:${this.hub.region}:${this.hub.account}:identity/${identity}`;
    this.authorizer.authorize(call, 'ses:GetEmailIdentity', arn);
    call.note.resources.push({ type: 'AWS::SES::EmailIdentity', name: arn });
    if (!this.verified.some((v) => v.toLowerCase() === identity.toLowerCase())) throw new AwsError('NotFoundException', `Email identity ${identity} does not exist.`, 404);
    return restJsonOk({
      IdentityType: identity.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
      FeedbackForwardingStatus: true,
      VerifiedForSendingStatus: true,
      VerificationStatus: 'SUCCESS',
      DkimAttributes: { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES' },
      MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE', MailFromDomainStatus: 'PENDING' },
      Policies: {},
      Tags: [],
    });
  }

  private async sendEmail(call: AwsCall, input: Record<string, unknown>) {
    const from = String(input.FromEmailAddress ?? '');
    const to = ((input.Destination as { ToAddresses?: string[] } | undefined)?.ToAddresses ?? []).map(String);
    const simple = (input.Content as { Simple?: { Subject?: Content; Body?: { Text?: Content; Html?: Content } } } | undefined)?.Simple;
    if (!from || to.length === 0 || !simple?.Subject?.Data) {
      throw new AwsError('BadRequestException', 'SendEmail needs FromEmailAddress, Destination.ToAddresses and Content.Simple with a Subject.', 400);
    }
    const identity = `arn:aws:ses:${this.hub.region}:${this.hub.account}:identity/${from}`;
    this.authorizer.authorize(call, 'ses:SendEmail', identity, { request: { sesFromAddress: from } });
    call.note.resources.push({ type: 'AWS::SES::EmailIdentity', name: identity });

    const now = this.clock.now();
    const id = `${now.toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
    const messageId = `<${randomUUID()}@sandbox.jit.local>`;
    const text = simple.Body?.Text?.Data ?? '';
    const html = simple.Body?.Html?.Data ?? '';
    const message = await composeEml({ from, to, subject: simple.Subject.Data, text, html, date: now, messageId });
    const entry: OutboxEntry = { id, file: `${id}.eml`, messageId, from, to, subject: simple.Subject.Data, date: now.toISOString(), text, html };
    // Written before SendEmail answers, as before, but off the event loop: under load (200 grants at once)
    // the outbox's file creations were 6 % of the process's time, spent waiting on the file system.
    await writeFile(join(this.folder, entry.file), message, { mode: 0o600 });
    await writeJsonAtomicOffThread(join(this.folder, `${id}.json`), entry);
    for (const listener of this.listeners) listener(entry);
    return { MessageId: `${id}@sandbox` };
  }
}

/** RFC 5322 caps a line at 998 octets; 8bit text must keep to that. */
const MAX_LINE_OCTETS = 998;

/**
 * The `.eml` of an email: multipart text and HTML, nodemailer's MIME composer. The text part is sent
 * `8bit`, as written, when every line fits: quoted-printable would fold the review link after 76
 * characters (`=` soft breaks, `=3D` for `=`) and a person reading the file, or copying the link from it,
 * gets a broken link. Mail clients read both the same way.
 *
 * @see https://www.rfc-editor.org/rfc/rfc2045#section-6.2
 */
export async function composeEml(mail: { from: string; to: string[]; subject: string; text: string; html: string; date: Date; messageId: string }): Promise<Buffer> {
  const lines = mail.text.split(/\r?\n/);
  const eightBit = lines.every((line) => Buffer.byteLength(line) <= MAX_LINE_OCTETS) && !mail.text.includes('\0');
  const text = eightBit ? { raw: `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${lines.join('\r\n')}` } : mail.text;
  return new MailComposer({
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text,
    ...(mail.html ? { html: mail.html } : {}),
    date: mail.date,
    messageId: mail.messageId,
    headers: { 'X-Jit-Sandbox': 'this message was not sent; the sandbox keeps it in its outbox' },
  })
    .compile()
    .build();
}
