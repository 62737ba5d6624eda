import type { Mailer, OutgoingEmail } from '../../../handlers/ports/mailer';

/** The mailer's contract in memory: every email sent, in order. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];

  async send(email: OutgoingEmail): Promise<void> {
    this.sent.push(structuredClone(email));
  }
}
