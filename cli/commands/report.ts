import { Command, Option } from 'commander';
import { renderAuditMarkdown } from '../../handlers/core/audit-markdown';
import { InvalidReportQueryError, ReportNotFoundError } from '../../handlers/core/errors';
import type { ReportRecordFields } from '../../handlers/core/request-record';
import { type ReadReportResult, readReport } from '../../handlers/use-cases/read-report';
import type { CliContext } from '../context';
import { CliError, classifyAwsError } from '../errors';
import { EXIT } from '../exit-codes';

interface ReportOptions {
  readonly bucket?: string;
  readonly account?: string;
}

type ReportStore = { get(requestId: string): Promise<ReportRecordFields | undefined> };

const MARK = { true: '✓', false: '✗', null: '–' } as const;

/** How AWS says "not allowed" (S3 answers a refused HEAD with a bare 403, which the SDK names Forbidden). */
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'Forbidden']);

function isAccessDenied(error: unknown): error is Error {
  return error instanceof Error && (ACCESS_DENIED.has(error.name) || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403);
}

const READERS_HINT = 'Reading reports needs the jit-auditor managed policy (docs/audit.md); in the sandbox, the approver key has it (. .jit-local/approver.env).';

/**
 * The request store as far as the caller may read it: an auditor with read access to the audit bucket
 * only still gets the report, verified against S3's checksum instead of the recorded digest. `refusal`
 * keeps why the record could not be read, so that "no report" is not said when the truth is "not allowed".
 */
function storeIfReadable(ctx: CliContext): ReportStore & { refusal?: Error } {
  const store = ctx.requestStore();
  const readable: ReportStore & { refusal?: Error } = {
    get: async (requestId) => {
      try {
        // A projected read: jit-auditor may read where the report is, nothing else of the record.
        return await store.getReportLocation(requestId);
      } catch (error) {
        const refused = classifyAwsError(error);
        if (!refused || refused.exitCode !== EXIT.AWS_ACCESS) throw error;
        ctx.note(`jit: cannot read the request record (${(error as Error).name}); verifying against S3 alone.`);
        readable.refusal = error as Error;
        return undefined;
      }
    },
  };
  return readable;
}

function describeChecks(result: ReadReportResult): string {
  const lines = result.checks.map((c) => `${MARK[String(c.ok) as keyof typeof MARK]} ${c.name}: ${c.detail}`);
  lines.push(
    result.verified
      ? `Verified: ${result.jsonUri}${result.jsonVersionId ? ` (version ${result.jsonVersionId})` : ''}, SHA-256 ${result.sha256}`
      : `NOT VERIFIED: ${result.jsonUri}${result.jsonVersionId ? ` (version ${result.jsonVersionId})` : ''}, SHA-256 ${result.sha256}`,
  );
  return lines.join('\n');
}

/** `jit report`: print a request's audit report after checking it is exactly what the broker wrote. */
export function reportCommand(context: (command: Command) => CliContext): Command {
  return new Command('report')
    .description("Print a request's audit report, after checking it is exactly what the broker wrote")
    .argument('<requestId>', 'the request whose report to print')
    .addOption(
      new Option('--bucket <name>', 'the audit bucket (stack output AuditBucketName), to find reports whose request record has expired').env(
        'JIT_AUDIT_BUCKET',
      ),
    )
    .option('--account <accountId>', 'narrow the search by key to one target account')
    .action(async (requestId: string, options: ReportOptions, command: Command) => {
      const ctx = context(command);
      let result: ReadReportResult;
      const store = storeIfReadable(ctx);
      try {
        result = await readReport(requestId, { reader: ctx.reportReader(options.bucket), store, publicKeys: ctx.publicKeys() }, options.account ? { accountId: options.account } : {});
      } catch (error) {
        if (error instanceof InvalidReportQueryError) throw new CliError(error.message, EXIT.USAGE, 'For example: jit report req-1234abcd', { cause: error });
        if (isAccessDenied(error)) {
          throw new CliError(`Access denied: AWS refused to let you read the audit report of ${requestId} (${error.name}: ${error.message}).`, EXIT.REPORT_ACCESS_DENIED, READERS_HINT, {
            cause: error,
          });
        }
        if (error instanceof ReportNotFoundError && store.refusal && !options.bucket) {
          // Without the record there is nothing that names the report; "not found" would be a guess.
          throw new CliError(
            `Access denied: AWS refused to let you read the request record of ${requestId} (${store.refusal.name}), which names its audit report; no report was looked for.`,
            EXIT.REPORT_ACCESS_DENIED,
            `${READERS_HINT} With read access to the bucket alone, pass --bucket <audit bucket> (or set JIT_AUDIT_BUCKET).`,
            { cause: error },
          );
        }
        if (error instanceof ReportNotFoundError) {
          throw new CliError(error.message, EXIT.NOT_FOUND, options.bucket ? undefined : 'If its request record has expired, pass --bucket <audit bucket> (or set JIT_AUDIT_BUCKET).', { cause: error });
        }
        throw error;
      }

      if (ctx.json) {
        ctx.data(
          {
            requestId: result.requestId,
            jsonUri: result.jsonUri,
            jsonVersionId: result.jsonVersionId ?? null,
            sha256: result.sha256,
            verified: result.verified,
            checks: result.checks,
            report: result.report ?? null,
          },
          '',
        );
      } else {
        let markdown = result.markdown;
        if (markdown === undefined && result.report) {
          ctx.note('jit: the stored Markdown report is missing; rendering it from the JSON report.');
          markdown = renderAuditMarkdown(result.report, { jsonSha256: result.sha256, jsonUri: result.jsonUri });
        }
        ctx.data(null, markdown ?? result.json);
        ctx.note(describeChecks(result));
      }
      if (!result.verified) {
        const failed = result.checks.filter((c) => c.ok === false).map((c) => c.name);
        throw new CliError(
          `The report of ${requestId} failed verification${failed.length > 0 ? ` (${failed.join(', ')})` : ' (no digest to compare with)'}; it was printed as stored.`,
          EXIT.REPORT_UNVERIFIED,
          'Compare its SHA-256 with the reportSha256 of the Elevation Audited event (docs/audit.md).',
        );
      }
    });
}
