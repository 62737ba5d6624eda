import { asList, allIdentityPolicies, synthesizedStacks } from '../../helpers/iam-template';
import { synthApp } from '../../helpers/synth';
import { WILDCARD_ALLOW_LIST } from './wildcard-allow-list';

const SENSITIVE_SERVICES = ['iam', 'sts', 'secretsmanager', 'states'];

function isSensitiveWildcard(action: string): boolean {
  if (!action.includes('*')) return false;
  if (action === '*') return true;
  const [service] = action.split(':');
  return service.includes('*') || SENSITIVE_SERVICES.includes(service.toLowerCase());
}

describe('Every synthesized identity policy: wildcard actions on sensitive services', () => {
  const stacks = synthesizedStacks(synthApp().stacks);
  const policies = stacks.flatMap(allIdentityPolicies);

  it('finds the identity policies of every stack', () => {
    expect(new Set(policies.map((p) => p.stack))).toEqual(new Set(['JitBroker', 'JitTarget-prod', 'JitTarget-staging']));
    expect(policies.length).toBeGreaterThan(15);
  });

  it('allows a wildcard action on iam, sts, secretsmanager or states only where the allow-list says why', () => {
    // Prepare
    const found = policies.flatMap((p) =>
      p.policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [
        ...asList(s.Action)
          .filter(isSensitiveWildcard)
          .map((action) => ({ stack: p.stack, logicalId: p.logicalId, action })),
        // An Allow with NotAction grants every action but a few: the widest wildcard of all.
        ...(s.NotAction ? [{ stack: p.stack, logicalId: p.logicalId, action: `NotAction ${JSON.stringify(s.NotAction)}` }] : []),
      ]),
    );

    // Act
    const unexplained = found.filter(
      (w) => !WILDCARD_ALLOW_LIST.some((a) => a.stack.test(w.stack) && a.logicalId.test(w.logicalId) && a.action === w.action),
    );

    // Assess
    expect(unexplained).toEqual([]);
    expect(found.length).toBeGreaterThan(0);
  });

  it('keeps every allow-list entry in use, so the list does not outlive what it excuses', () => {
    const used = WILDCARD_ALLOW_LIST.filter((a) =>
      policies.some(
        (p) =>
          a.stack.test(p.stack) &&
          a.logicalId.test(p.logicalId) &&
          p.policy.Statement.some((s) => s.Effect === 'Allow' && asList(s.Action).includes(a.action)),
      ),
    );
    expect(used).toEqual(WILDCARD_ALLOW_LIST);
  });

  it('recognises the wildcards it looks for', () => {
    expect(['*', 'iam:*', 'sts:Assume*', 'secretsmanager:Get*', 'states:Send*', '*:*'].every(isSensitiveWildcard)).toBe(true);
    expect(['s3:*', 'iam:PassRole', 'ec2:Describe*'].some(isSensitiveWildcard)).toBe(false);
  });
});
