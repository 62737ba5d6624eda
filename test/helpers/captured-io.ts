import type { CliIo } from '../../cli/context';

/** The CLI's stdout and stderr, kept for a test to read. */
export class CapturedIo implements CliIo {
  stdout = '';
  stderr = '';
  out(text: string): void {
    this.stdout += text;
  }
  err(text: string): void {
    this.stderr += text;
  }
}
