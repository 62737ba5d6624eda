import { createHash } from 'node:crypto';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import { queryInput, queryOk } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import type { SynthesizedStack } from '../template/deployed-template';
import type { ServiceEmulation } from './service';

const CFN_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

function stackId(stack: SynthesizedStack): string {
  // A stable stand-in for the UUID CloudFormation appends to a stack's ARN.
  const hex = createHash('sha256').update(`${stack.account}:${stack.name}`).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.name}/${uuid}`;
}

/**
 * CloudFormation DescribeStacks over the sandbox's installation: the broker stack in the hub account and
 * each target stack in its account, all `CREATE_COMPLETE` (the sandbox deploys them as it starts), with
 * the synthesized outputs. Callers see the stacks of their own account only, as in AWS. An unknown name
 * answers `ValidationError` "Stack with id X does not exist", as CloudFormation does. Other operations
 * go to the fallback (authorized, recorded, no resources), as before this emulation existed.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Stack.html
 */
export class CloudFormationEmulation implements ServiceEmulation {
  readonly signingNames = ['cloudformation'];

  constructor(
    private readonly stacks: readonly SynthesizedStack[],
    private readonly authorizer: Authorizer,
    /** When the sandbox's installation was "deployed" (its first start). */
    private readonly createdAt: () => Date,
    private readonly fallback: ServiceEmulation,
  ) {}

  async handle(call: AwsCall): Promise<AwsResponse> {
    const params = queryInput(call);
    const action = params.get('Action') ?? '';
    if (action !== 'DescribeStacks') return this.fallback.handle(call);
    call.note.operation = action;
    call.note.readOnly = true;
    const wanted = params.get('StackName') ?? undefined;
    call.note.requestParameters = wanted ? { stackName: wanted } : {};
    const own = this.stacks.filter((s) => s.account === call.caller.accountId && s.region === call.region);
    const found = wanted ? own.filter((s) => s.name === wanted || stackId(s) === wanted) : own;
    if (wanted && found.length === 0) {
      this.authorizer.authorize(call, 'cloudformation:DescribeStacks', `arn:aws:cloudformation:${call.region}:${call.caller.accountId}:stack/${wanted}/*`);
      throw new AwsError('ValidationError', `Stack with id ${wanted} does not exist`, 400);
    }
    for (const stack of found) this.authorizer.authorize(call, 'cloudformation:DescribeStacks', stackId(stack));
    const created = this.createdAt();
    return queryOk(
      action,
      {
        Stacks: found.map((stack) => ({
          StackId: stackId(stack),
          StackName: stack.name,
          Description: stack.description,
          CreationTime: created,
          StackStatus: 'CREATE_COMPLETE',
          DisableRollback: false,
          Outputs: Object.entries(stack.outputs ?? {}).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
          Tags: [],
          EnableTerminationProtection: false,
          DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
        })),
      },
      CFN_NAMESPACE,
      call.requestId,
    );
  }
}
