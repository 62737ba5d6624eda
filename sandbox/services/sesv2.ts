import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { restJsonOk } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import { writeJsonAtomic } from '../store/json-file';
import { writeFileSync } from 'node:fs';
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
    if (call.method !== 'POST' || path !== '/v2/email/outbound-emails') throw notEmulated('SESv2', `${call.method} ${path}`);
    call.note.operation = 'SendEmail';
    return restJsonOk(await this.sendEmail(call, JSON.parse(call.body.toString('utf8') || '{}') as Record<string, unknown>));
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
    const message = await new MailComposer({
      from,
      to,
      subject: simple.Subject.Data,
      text,
      ...(html ? { html } : {}),
      date: now,
      messageId,
      headers: { 'X-Jit-Sandbox': 'this message was not sent; the sandbox keeps it in its outbox' },
    })
      .compile()
      .build();
    const entry: OutboxEntry = { id, file: `${id}.eml`, messageId, from, to, subject: simple.Subject.Data, date: now.toISOString(), text, html };
    writeFileSync(join(this.folder, entry.file), message, { mode: 0o600 });
    writeJsonAtomic(join(this.folder, `${id}.json`), entry);
    for (const listener of this.listeners) listener(entry);
    return { MessageId: `${id}@sandbox` };
  }
}
