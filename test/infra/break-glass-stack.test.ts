import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { loadJitConfig } from '../../infra/config/load-config';
import { asList, identityPoliciesOf, synthesizedStack } from '../helpers/iam-template';
import { synthApp } from '../helpers/synth';

const CONFIGS = join(__dirname, '..', 'configs');

/** The approval function's statements for test/configs/break-glass.config.json, with Slack and `mutate` applied. */
function approvalStatements(mutate: (config: { roles: Array<Record<string, unknown>> }) => void) {
  const config = JSON.parse(readFileSync(join(CONFIGS, 'break-glass.config.json'), 'utf8')) as { approval: Record<string, unknown>; roles: Array<Record<string, unknown>> };
  config.approval.slack = { postTo: 'C0APPROVALS', secretName: 'jit/slack', users: { U0ONCALL: 'oncall@example.com' } };
  config.roles = config.roles.map((r) => ({ ...r, policyFile: join(CONFIGS, String(r.policyFile)) }));
  mutate(config);
  const dir = mkdtempSync(join(tmpdir(), 'jit-glass-stack-'));
  try {
    writeFileSync(join(dir, 'jit.config.json'), JSON.stringify(config));
    const broker = synthApp(loadJitConfig(join(dir, 'jit.config.json'))).stacks.broker;
    const cfn = broker.approvals.handler.role.node.defaultChild as CfnElement;
    return identityPoliciesOf(synthesizedStack(broker), Stack.of(cfn).getLogicalId(cfn)).flatMap((p) => p.policy.Statement);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('BrokerStack: break-glass alerts in Slack', () => {
  it('lets the approval function read the Slack secret only when a role is breakGlass', () => {
    // Act
    const withBreakGlass = approvalStatements(() => undefined);
    const without = approvalStatements((c) => {
      c.roles = c.roles.map(({ breakGlass: _b, ...r }) => r);
    });

    // Assess
    const alert = withBreakGlass.find((s) => s.Sid === 'ReadTheSlackSecretToAlert');
    expect(alert).toMatchObject({ Effect: 'Allow' });
    expect(asList(alert?.Action)).toContain('secretsmanager:GetSecretValue');
    expect(without.find((s) => s.Sid === 'ReadTheSlackSecretToAlert')).toBeUndefined();
  });
});
