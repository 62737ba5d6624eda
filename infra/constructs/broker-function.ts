import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import {
  FUNCTION_ENTRY_VARIABLE,
  type FunctionEntry,
  type FunctionEnvironment,
  SETTINGS_FILE,
  environmentVariables,
  readsSettings,
} from '../../handlers/core/function-environment';
import { LAMBDA_MAX_ENVIRONMENT_BYTES, environmentBytes } from '../aws-limits';

const REPO_ROOT = join(__dirname, '..', '..');

export interface BrokerFunctionProps<E extends FunctionEntry = FunctionEntry> {
  /** Entry file name under `handlers/lambda/`, without extension, e.g. `mint`. */
  readonly entry: E;
  readonly description: string;
  /**
   * The values of exactly the variables the entry point reads (`handlers/core/function-environment.ts`),
   * set under their environment names; the settings JSON goes into the bundle as `jit-settings.json` and
   * the environment gets its digest.
   */
  readonly environment: FunctionEnvironment<E>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /**
   * Fixed name for the function's role, where target accounts must trust it by ARN.
   * @default a generated name
   */
  readonly roleName?: string;
  /**
   * An execution role made elsewhere (e.g. `RevokeRole`), for a function whose role must exist before
   * the function does. Mutually exclusive with `roleName`.
   * @default a new role of its own
   */
  readonly role?: iam.Role;
  /**
   * Fixed function name, for a function people invoke by name (`jit revoke`). Must start with the
   * broker stack's name and a dash, which the target accounts' ceiling protects.
   * @default a generated name
   */
  readonly functionName?: string;
}

/**
 * A broker Lambda function: TypeScript from `handlers/lambda/` bundled by the local esbuild (no Docker),
 * the current Node.js LTS runtime on arm64, JSON logs in a log group with a fixed retention.
 */
export class BrokerFunction<E extends FunctionEntry = FunctionEntry> extends Construct {
  readonly function: NodejsFunction;
  /** The function's own role: it may write to its own log group and nothing else until granted more. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BrokerFunctionProps<E>) {
    super(scope, id);
    if (props.role && props.roleName !== undefined) {
      throw new Error(`BrokerFunction ${id}: pass either role or roleName, not both. Received roleName: ${props.roleName}`);
    }
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An own role instead of AWSLambdaBasicExecutionRole, whose log permissions cover every log group.
    this.role =
      props.role ??
      new iam.Role(this, 'Role', {
        roleName: props.roleName,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of the broker's ${props.entry} function`,
      });
    logGroup.grantWrite(this.role);
    const environment = {
      POWERTOOLS_SERVICE_NAME: 'jit-broker',
      [FUNCTION_ENTRY_VARIABLE]: props.entry,
      NODE_OPTIONS: '--enable-source-maps',
      ...environmentVariables(props.entry, props.environment),
    };
    // Lambda refuses a function whose variables exceed 4 KB; say so at synth, not at deploy.
    const bytes = environmentBytes(environment);
    if (bytes > LAMBDA_MAX_ENVIRONMENT_BYTES) {
      throw new Error(
        `BrokerFunction ${id} (${props.entry}): its environment variables take ${bytes} bytes; Lambda allows ${LAMBDA_MAX_ENVIRONMENT_BYTES} in all. ` +
          `Variables: ${Object.keys(environment).join(', ')}.`,
      );
    }
    const settingsJson = readsSettings(props.entry) ? (props.environment as Readonly<Record<string, string>>).settings : undefined;
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      entry: join(REPO_ROOT, 'handlers', 'lambda', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment,
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        target: 'node24',
        // The AWS SDK v3 ships with the runtime.
        externalModules: ['@aws-sdk/*'],
        // The settings travel in the bundle, too large for the environment with many agents; the asset's
        // hash covers the bundle's output, so a settings change is new code (and the digest a new version).
        ...(settingsJson === undefined ? {} : { commandHooks: settingsFileHooks(settingsJson) }),
      },
    });
  }
}

/**
 * The bundling hooks that write the settings next to `index.js`. Local bundling runs them in a shell on
 * this machine (node is there: esbuild runs on it); base64 keeps the JSON free of shell quoting, in pieces
 * of 64 KiB since Linux refuses a single argument over 128 KiB.
 */
function settingsFileHooks(settingsJson: string) {
  const encoded = Buffer.from(settingsJson, 'utf8').toString('base64');
  const pieces = encoded.match(/.{1,65536}/g) ?? [];
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      `node -e "require('fs').writeFileSync(process.argv[1], Buffer.from(process.argv.slice(2).join(''), 'base64'))" '${join(outputDir, SETTINGS_FILE)}' ${pieces.map((p) => `'${p}'`).join(' ')}`,
    ],
  };
}
