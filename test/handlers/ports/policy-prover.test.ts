import { AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoNewAccessCommand, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import { mockClient } from 'aws-sdk-client-mock';
import { AccessAnalyzerPolicyProver } from '../../../handlers/adapters/aws/access-analyzer-policy-prover';
import type { PolicyProver } from '../../../handlers/ports/policy-prover';
import { InMemoryPolicyProver } from '../../fakes/ports/in-memory-policy-prover';

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:UpdateService","Resource":"*"}]}';

/** The port's contract, for the fake and for the Access Analyzer adapter over a mocked SDK answering PASS. */
describe.each([
  ['InMemoryPolicyProver', () => ({ prover: new InMemoryPolicyProver() as PolicyProver, done: () => undefined })],
  [
    'AccessAnalyzerPolicyProver',
    () => {
      const mock = mockClient(AccessAnalyzerClient);
      mock.on(ValidatePolicyCommand).resolves({ findings: [] });
      mock.on(CheckNoNewAccessCommand).resolves({ result: 'PASS', message: 'grants no new access' });
      mock.on(CheckAccessNotGrantedCommand).resolves({ result: 'PASS', message: 'does not grant' });
      return { prover: new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1' })) as PolicyProver, done: () => mock.restore() };
    },
  ],
] as const)('PolicyProver contract: %s', (_name, make) => {
  it('answers PASS or FAIL for each check and a list of findings', async () => {
    // Prepare
    const { prover, done } = make();

    // Act
    const findings = await prover.validatePolicy(POLICY);
    const noNew = await prover.checkNoNewAccess(POLICY, POLICY);
    const notGranted = await prover.checkAccessNotGranted(POLICY, ['ec2:TerminateInstances']);
    done();

    // Assess
    expect(Array.isArray(findings)).toBe(true);
    expect(['PASS', 'FAIL']).toContain(noNew.result);
    expect(['PASS', 'FAIL']).toContain(notGranted.result);
  });

  it('refuses an empty or over-long action list (CheckAccessNotGranted takes 1-100)', async () => {
    // Prepare
    const { prover, done } = make();

    // Act / Assess
    await expect(prover.checkAccessNotGranted(POLICY, [])).rejects.toThrow(RangeError);
    await expect(prover.checkAccessNotGranted(POLICY, Array.from({ length: 101 }, (_, i) => `s3:A${i}`))).rejects.toThrow(RangeError);
    done();
  });
});
