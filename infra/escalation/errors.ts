/** `cdk synth` found elevated roles that open privilege-escalation paths the ceiling does not close. */
export class EscalationLintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EscalationLintError';
  }
}
