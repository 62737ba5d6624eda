import { Stack, type StackProps } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import type { Construct } from 'constructs';
import type { JitConfig, OrganizationConfig } from '../config/jit-config';
import { iamRoleNameOf } from '../config/load-config';
import { detectionStaysOnScp, type GuardrailDocument, MAX_ORGANIZATION_POLICY_CHARS, organizationOnlyRcp, sourceIdentityScp } from './guardrail-policies';

export interface OrgGuardrailsStackProps extends StackProps {
  /** The validated operator config; `organization` must be set. */
  readonly config: JitConfig;
}

/** The guardrails stack's name (the ceiling keeps `JitBroker` and `JitTarget-*` stacks read-only; this one lives in the management account). */
export const ORG_GUARDRAILS_STACK_NAME = 'JitOrgGuardrails';

/** Names of the three policies as AWS Organizations lists them. */
export const GUARDRAIL_POLICY_NAMES = {
  sourceIdentity: 'jit-elevated-roles-need-a-jit-source-identity',
  organizationOnly: 'jit-no-role-assumption-from-outside-the-organization',
  detection: 'jit-detection-stays-on',
} as const;

/**
 * Optional organization guardrails, deployed to the management account or a delegated administrator for
 * Organizations policies: two SCPs and one RCP, attached to the hub and every target account unless
 * `organization.targetIds` says where. SCPs and RCPs must be enabled in the organization first.
 * @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies.html
 */
export class OrgGuardrailsStack extends Stack {
  readonly policies: readonly organizations.CfnPolicy[];

  constructor(scope: Construct, id: string, props: OrgGuardrailsStackProps) {
    super(scope, id, props);
    const org: OrganizationConfig | undefined = props.config.organization;
    if (!org) throw new Error('OrgGuardrailsStack: config.organization must be set. Received: nothing');
    const targetIds = org.targetIds ?? [...new Set([props.config.hub.account, ...props.config.accounts.map((a) => a.id)])];
    const policy = (logicalId: string, name: string, type: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY', content: GuardrailDocument, description: string) => {
      const size = JSON.stringify(content).length;
      if (size > MAX_ORGANIZATION_POLICY_CHARS) {
        throw new Error(`OrgGuardrailsStack: ${name} is ${size} characters; AWS Organizations allows ${MAX_ORGANIZATION_POLICY_CHARS}. Received: ${size}`);
      }
      return new organizations.CfnPolicy(this, logicalId, { name, type, content, description, targetIds });
    };
    this.policies = [
      policy('SourceIdentityScp', GUARDRAIL_POLICY_NAMES.sourceIdentity, 'SERVICE_CONTROL_POLICY', sourceIdentityScp(props.config.roles.map((r) => iamRoleNameOf(r))), 'JIT: elevated roles are usable only by broker-minted sessions (jit- SourceIdentity)'),
      policy('OrganizationOnlyRcp', GUARDRAIL_POLICY_NAMES.organizationOnly, 'RESOURCE_CONTROL_POLICY', organizationOnlyRcp(org.id), 'JIT: no role is assumed by a principal outside the organization'),
      policy('DetectionScp', GUARDRAIL_POLICY_NAMES.detection, 'SERVICE_CONTROL_POLICY', detectionStaysOnScp(org.detectionAdministrators), 'JIT: detection services stay on'),
    ];
  }
}
