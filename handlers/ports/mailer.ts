export interface OutgoingEmail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
}
