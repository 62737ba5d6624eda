import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { AccountConfig } from './config/jit-config';
import { agentNameOf, agentsOf, iamRoleNameOf, type LoadedConfig } from './config/load-config';
import { ElevatedRole } from './constructs/elevated-role';
import { ElevationCeiling } from './constructs/elevation-ceiling';
import { TripwireForwarder } from './constructs/tripwire-forwarder';
import { auditRegions } from '../handlers/core/audit-polling';
import { regionFolder } from '../handlers/core/data-event-trail';
import { BROKER_NAMES, DEFAULT_AGENT_NAME, TARGET_NAMES, brokerBusArn, roleArn } from '../handlers/core/resource-names';

export interface TargetAccountStackProps extends StackProps {
  /** The validated operator config. */
  readonly config: LoadedConfig;
  /** The account this stack is deployed into; `env.account` must be its id. */
  readonly account: AccountConfig;
}

/**
 * What the broker needs in one target account, deployed into that account: the elevated roles from
 * config, the deny-always ceiling and the permissions boundary, the audit reader role and the revoker
 * role. Every role here trusts one broker role in the hub account by its fixed name, so this stack has no
 * cross-account reference; it must be deployed after the broker stack, because IAM refuses a trust
 * policy that names a role that does not exist yet.
 */
export class TargetAccountStack extends Stack {
  readonly ceiling: ElevationCeiling;
  /** Elevated roles by configured role name (e.g. `Ops`). */
  readonly elevatedRoles: ReadonlyMap<string, iam.Role>;
  readonly auditReader: iam.Role;
  readonly revoker: iam.Role;

  constructor(scope: Construct, id: string, props: TargetAccountStackProps) {
    super(scope, id, props);
    const { config, policies } = props.config;
    const { account } = props;
    if (props.env?.account !== undefined && props.env.account !== account.id) {
      throw new Error(`TargetAccountStack: env.account must be the target account ${account.id}. Received: ${props.env.account}`);
    }
    const hub = config.hub.account;
    const partition = Aws.PARTITION;

    this.ceiling = new ElevationCeiling(this, 'Ceiling', {
      partition,
      accountId: account.id,
      hubAccount: hub,
      hubRegion: config.hub.region,
      elevatedRoleNames: config.roles.map((role) => iamRoleNameOf(role)),
      agent: { kind: config.agent.kind, name: config.agent.name ?? DEFAULT_AGENT_NAME },
      otherAgents: agentsOf(config)
        .slice(1)
        .map((a) => ({ kind: a.kind, name: agentNameOf(a) })),
      sender: config.approval.sender,
      passableRoles: account.passableRoles ?? [],
    });

    const mintRoleArn = roleArn(partition, hub, BROKER_NAMES.mintRole);
    const roles = new Map<string, iam.Role>();
    for (const role of config.roles.filter((r) => !account.roles || account.roles.includes(r.name))) {
      const policy = policies.get(role.name);
      if (!policy) throw new Error(`TargetAccountStack: no policy document was loaded for role ${role.name}.`);
      const elevated = new ElevatedRole(this, `Elevated${role.name}`, {
        roleName: iamRoleNameOf(role),
        mintRoleArn,
        policy,
        ceiling: this.ceiling.policies,
        description: role.description ? `JIT ${role.name}: ${role.description}` : undefined,
      });
      roles.set(role.name, elevated.role);
    }
    this.elevatedRoles = roles;

    this.auditReader = new iam.Role(this, 'AuditReader', {
      roleName: TARGET_NAMES.auditReaderRole,
      description: "Lets the JIT broker's audit function read this account's CloudTrail event history",
      assumedBy: new iam.ArnPrincipal(roleArn(partition, hub, BROKER_NAMES.auditRole)),
      maxSessionDuration: Duration.hours(1),
    });
    this.auditReader.addToPolicy(
      new iam.PolicyStatement({
        sid: 'LookupEventsOnly',
        // LookupEvents has no resource-level permissions.
        actions: ['cloudtrail:LookupEvents'],
        resources: ['*'],
      }),
    );
    if (account.dataEventTrail) this.grantDataEventTrailRead(account, auditRegions(config.audit.regions));

    this.revoker = new iam.Role(this, 'Revoker', {
      roleName: TARGET_NAMES.revokerRole,
      description: "Lets the JIT broker attach and remove the early-revoke deny on this account's elevated roles",
      assumedBy: new iam.ArnPrincipal(roleArn(partition, hub, BROKER_NAMES.revokeRole)),
      maxSessionDuration: Duration.hours(1),
    });
    this.revoker.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteRevocationDenyOnElevatedRolesOnly',
        actions: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'],
        resources: [...roles.values()].map((role) => role.roleArn),
      }),
    );

    // Tripwires: this region's CloudTrail API calls of broker sessions go to the broker's bus. The other
    // audited regions and us-east-1 have a stack each (infra/tripwire-forwarder-stack.ts); this one keeps
    // its logical IDs so that an upgrade replaces nothing.
    if (config.tripwires) {
      new TripwireForwarder(this, 'TripwireForwarder', {
        brokerBusArn: brokerBusArn(partition, hub, config.hub.region),
        readOnlyEvents: config.tripwires.readOnlyEvents,
      });
    }

    new CfnOutput(this, 'BoundaryPolicyArn', {
      value: this.ceiling.boundaryArn,
      description: 'Every role or user an elevated session creates must carry this permissions boundary',
    });
  }

  /**
   * Lets the audit reader read the trail's log files of this account in the audited regions, and nothing else
   * of the bucket: `s3:GetObject` on `<prefix>/AWSLogs/<account>/CloudTrail/<region>/*`, and `s3:ListBucket`
   * only for listings whose `s3:prefix` lies in those folders (a listing without a prefix is refused). With
   * SSE-KMS log files, `kms:Decrypt` on the trail's key, only through S3 in the bucket's region; the key's
   * own policy must allow it too (CloudTrail's default key policy lets principals of the account decrypt).
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
   */
  private grantDataEventTrailRead(account: AccountConfig, regions: readonly string[]): void {
    const trail = account.dataEventTrail;
    if (!trail) return;
    const folders = regions.map((region) => `${regionFolder(trail.prefix, account.id, region)}*`);
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${trail.bucket}`;
    this.auditReader.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDataEventLogFilesOnly',
        actions: ['s3:GetObject'],
        resources: folders.map((folder) => `${bucketArn}/${folder}`),
      }),
    );
    this.auditReader.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListDataEventLogFoldersOnly',
        actions: ['s3:ListBucket'],
        resources: [bucketArn],
        conditions: { StringLike: { 's3:prefix': folders } },
      }),
    );
    if (trail.kmsKeyArn) {
      const bucketRegion = trail.region ?? regions[0];
      this.auditReader.addToPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptDataEventLogFilesThroughS3',
          actions: ['kms:Decrypt'],
          resources: [trail.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${bucketRegion}.amazonaws.com` } },
        }),
      );
    }
  }
}
