import { AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoNewAccessCommand, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AccessAnalyzerPolicyProver } from '../../../../handlers/adapters/aws/access-analyzer-policy-prover';

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:UpdateService","Resource":"*"}]}';
const ROLE = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}';

describe('AccessAnalyzerPolicyProver', () => {
  const analyzer = mockClient(AccessAnalyzerClient);
  afterEach(() => analyzer.reset());
  afterAll(() => analyzer.restore());
  const prover = () => new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1' }));

  it('validates the session policy as an identity policy, reading every page of findings', async () => {
    // Prepare
    analyzer
      .on(ValidatePolicyCommand, { nextToken: undefined })
      .resolves({ findings: [{ findingType: 'WARNING', issueCode: 'MISSING_VERSION', findingDetails: 'x', learnMoreLink: '', locations: [] }], nextToken: 'page-2' })
      .on(ValidatePolicyCommand, { nextToken: 'page-2' })
      .resolves({ findings: [] });

    // Act
    const findings = await prover().validatePolicy(POLICY);

    // Assess
    expect(analyzer).toHaveReceivedCommandTimes(ValidatePolicyCommand, 2);
    expect(analyzer.commandCalls(ValidatePolicyCommand)[0]?.args[0].input).toEqual({ policyDocument: POLICY, policyType: 'IDENTITY_POLICY', locale: 'EN' });
    expect(analyzer.commandCalls(ValidatePolicyCommand)[1]?.args[0].input).toEqual({ policyDocument: POLICY, policyType: 'IDENTITY_POLICY', locale: 'EN', nextToken: 'page-2' });
    expect(findings).toEqual([{ findingType: 'WARNING', issueCode: 'MISSING_VERSION', details: 'x' }]);
  });

  it('checks no new access against the role policy', async () => {
    // Prepare
    analyzer.on(CheckNoNewAccessCommand).resolves({ result: 'PASS', message: 'The modified permissions grant no new access.' });

    // Act
    const r = await prover().checkNoNewAccess(POLICY, ROLE);

    // Assess
    expect(analyzer.commandCalls(CheckNoNewAccessCommand)[0]?.args[0].input).toEqual({ newPolicyDocument: POLICY, existingPolicyDocument: ROLE, policyType: 'IDENTITY_POLICY' });
    expect(r).toEqual({ result: 'PASS', message: 'The modified permissions grant no new access.' });
  });

  it('checks access not granted with one Access object of the given actions', async () => {
    // Prepare
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: 'FAIL', message: 'The policy document grants access.' });

    // Act
    const r = await prover().checkAccessNotGranted(POLICY, ['ec2:TerminateInstances', 'account:*']);

    // Assess
    expect(analyzer.commandCalls(CheckAccessNotGrantedCommand)[0]?.args[0].input).toEqual({
      policyDocument: POLICY,
      access: [{ actions: ['ec2:TerminateInstances', 'account:*'] }],
      policyType: 'IDENTITY_POLICY',
    });
    expect(r.result).toBe('FAIL');
  });

  it('refuses more than 100 actions in one call (the Access type allows 100)', async () => {
    // Act / Assess
    await expect(prover().checkAccessNotGranted(POLICY, Array.from({ length: 101 }, (_, i) => `s3:Action${i}`))).rejects.toThrow('1-100 actions');
    expect(analyzer).toHaveReceivedCommandTimes(CheckAccessNotGrantedCommand, 0);
  });
});
