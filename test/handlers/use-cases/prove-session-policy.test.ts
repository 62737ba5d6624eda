import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { proofsRefuseMint } from '../../../handlers/core/policy-proofs';
import { proveSessionPolicy } from '../../../handlers/use-cases/prove-session-policy';
import { InMemoryPolicyProver } from '../../fakes/ports/in-memory-policy-prover';

const FENCED = timeFencedSessionPolicy(new Date('2026-12-02T10:15:00Z'));
const SCOPED = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecs:UpdateService"],"Resource":"*"}]}';

describe('proveSessionPolicy', () => {
  it('says "not proven", never "proven", without Access Analyzer', async () => {
    // Act
    const proofs = await proveSessionPolicy({ sessionPolicy: FENCED }, undefined);

    // Assess
    expect(proofs.verdict).toBe('not proven');
    expect(proofs.checks.every((c) => c.status === 'not-proven')).toBe(true);
    expect(proofsRefuseMint(proofs, 'refuse')).toBe(false);
  });

  it('says "not proven" when Access Analyzer cannot be reached', async () => {
    // Prepare
    const prover = Object.assign(new InMemoryPolicyProver(), { unreachable: true });

    // Act
    const proofs = await proveSessionPolicy({ sessionPolicy: SCOPED, rolePolicy: SCOPED }, prover);

    // Assess
    expect(proofs.verdict).toBe('not proven');
    expect(proofs.checks.map((c) => c.status)).toEqual(['not-proven', 'not-proven', 'not-proven']);
  });

  it('proves a scoped policy: validate, no new access against the role, the deny list under the ceiling', async () => {
    // Prepare
    const prover = new InMemoryPolicyProver();

    // Act
    const proofs = await proveSessionPolicy({ sessionPolicy: SCOPED, rolePolicy: '{"Version":"2012-10-17","Statement":[]}' }, prover);

    // Assess
    expect(proofs.verdict).toBe('proven');
    expect(prover.calls.map((c) => c.method)).toEqual(['validatePolicy', 'checkNoNewAccess', 'checkAccessNotGranted']);
    const [doc, actions] = prover.calls[2]?.args as [string, string[]];
    expect(actions).toEqual(['ec2:TerminateInstances', 'ec2:DeleteVpc', 'ec2:DeleteSubnet', 'rds:DeleteDBInstance', 'rds:DeleteDBCluster', 'organizations:*', 'account:*']);
    expect(JSON.parse(doc).Statement.at(-1)).toEqual({ Sid: 'NeverEvenElevated', Effect: 'Deny', Action: actions, Resource: '*' });
  });

  it('fails on an error finding or a FAIL, which refuses the mint unless onFail is warn', async () => {
    // Prepare
    const prover = new InMemoryPolicyProver();
    prover.findings = [{ findingType: 'ERROR', issueCode: 'INVALID_ACTION', details: 'no such action' }];

    // Act
    const proofs = await proveSessionPolicy({ sessionPolicy: FENCED }, prover);

    // Assess
    expect(proofs.verdict).toBe('failed');
    expect(proofs.checks.find((c) => c.check === 'no-new-access')?.status).toBe('not-applicable');
    expect(proofsRefuseMint(proofs, 'refuse')).toBe(true);
    expect(proofsRefuseMint(proofs, 'warn')).toBe(false);
  });

  it('splits a deny list longer than 100 actions into calls of at most 100', async () => {
    // Prepare
    const prover = new InMemoryPolicyProver();

    // Act
    await proveSessionPolicy({ sessionPolicy: FENCED, denyList: Array.from({ length: 150 }, (_, i) => `s3:A${i}`) }, prover);

    // Assess
    expect(prover.calls.filter((c) => c.method === 'checkAccessNotGranted').map((c) => (c.args[1] as string[]).length)).toEqual([100, 50]);
  });
});
