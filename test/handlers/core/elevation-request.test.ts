import {
  describeRejectedRequest,
  requestIdFor,
  validateElevationRequest,
} from '../../../handlers/core/elevation-request';
import { requestEvent as event } from '../../helpers/fixtures';
import { exampleSettings } from '../../helpers/synth';

const settings = exampleSettings();
const now = new Date('2026-11-28T10:00:00Z');
const valid = { requestId: 'req-00000001', account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the worker' };

describe('validateElevationRequest', () => {
  it('accepts a configured account by name or id and normalises it', () => {
    for (const account of ['prod', '222222222222']) {
      const result = validateElevationRequest(event({ ...valid, account }), settings, now);
      expect(result).toEqual({
        ok: true,
        value: expect.objectContaining({ accountId: '222222222222', accountName: 'prod', role: 'Ops', minutes: 15 }),
      });
    }
  });

  it("accepts a role by its IAM name, as the seed's grant-elevated.sh names it, and normalises it to the short name", () => {
    const result = validateElevationRequest(event({ ...valid, role: 'AgentElevated-Ops' }), settings, now);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ role: 'Ops' }) });
  });

  it('refuses a 45-minute Ops request: the seed gives Ops 15 to 30 minutes', () => {
    const result = validateElevationRequest(event({ ...valid, minutes: 45 }), settings, now);
    expect(result).toEqual({ ok: false, problems: ['minutes: 45 is more than the 30 allowed for role Ops'] });
  });

  it('refuses a 6-minute Security request: the seed gives Security 5 minutes', () => {
    const result = validateElevationRequest(event({ ...valid, role: 'Security', minutes: 6 }), settings, now);
    expect(result).toEqual({ ok: false, problems: ['minutes: 6 is more than the 5 allowed for role Security'] });
  });

  it.each([
    [{ minutes: 0 }, 'minutes: must be at least 1'],
    [{ minutes: 2.5 }, 'minutes: must be a whole number'],
    [{ account: 'dev' }, 'account: "dev" is not a configured account'],
    [{ account: 'staging', role: 'Admin' }, 'role: "Admin" is not configured for account staging (allowed: Ops, Deploy, Security)'],
    [{ reason: '   ' }, 'reason: must not be empty'],
    [{ reason: 'x'.repeat(501) }, 'reason: must be at most 500 characters (got 501)'],
    [{ reason: 'bell\u0007' }, 'reason: must not contain a control character (U+0007)'],
    [{ requestId: 'bad id!' }, 'requestId: must be 8-36 letters, digits or dashes, starting with a letter or digit'],
    [{ extra: true }, 'detail: Unrecognized key: "extra"'],
  ])('names the problem with %j', (override, problem) => {
    const result = validateElevationRequest(event({ ...valid, ...override }), settings, now);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toContain(problem);
  });

  // The spoofing inputs of an agent faking lines ("Role: Security", "approved by ...") or reordering what an
  // approver reads: every one is refused with the field and the character named.
  it.each([
    ['reason', { reason: 'Restart worker\nRole: Security for 5 minutes' }, 'reason: must not contain a line feed (U+000A)'],
    ['reason', { reason: 'Restart worker\r\napproved by security-lead' }, 'reason: must not contain a carriage return (U+000D)'],
    ['reason', { reason: 'tab\there' }, 'reason: must not contain a tab (U+0009)'],
    ['reason', { reason: 'line\u2028separator' }, 'reason: must not contain a line separator (U+2028)'],
    ['reason', { reason: 'para\u2029separator' }, 'reason: must not contain a paragraph separator (U+2029)'],
    ['reason', { reason: 'Ops \u202Eytiruces\u202C' }, 'reason: must not contain a bidi control (U+202E)'],
    ['reason', { reason: 'isolate \u2066x\u2069' }, 'reason: must not contain a bidi control (U+2066)'],
    ['reason', { reason: 'mark \u200Fx' }, 'reason: must not contain a bidi control (U+200F)'],
    ['reason', { reason: 'arabic mark \u061Cx' }, 'reason: must not contain a bidi control (U+061C)'],
    ['reason', { reason: 'zero\u200Bwidth' }, 'reason: must not contain a zero-width character (U+200B)'],
    ['reason', { reason: 'joiner\u200Dx' }, 'reason: must not contain a zero-width character (U+200D)'],
    ['reason', { reason: 'bom\uFEFFx' }, 'reason: must not contain a zero-width character (U+FEFF)'],
    ['reason', { reason: 'word\u2060joiner' }, 'reason: must not contain a zero-width character (U+2060)'],
    ['requester', { requester: 'ops-agent\nApproved by: lead' }, 'requester: must not contain a line feed (U+000A)'],
    ['requester', { requester: 'ops\u202Eagent' }, 'requester: must not contain a bidi control (U+202E)'],
    ['plannedActions', { plannedActions: ['ecs:UpdateService\u200B'] }, 'plannedActions.0: must not contain a zero-width character (U+200B)'],
    ['plannedActions', { plannedActions: ['ok', 'x\ny'] }, 'plannedActions.1: must not contain a line feed (U+000A)'],
  ])('refuses a spoofing character in %s: %j', (_field, override, problem) => {
    const result = validateElevationRequest(event({ ...valid, ...override }), settings, now);
    expect(result.ok ? [] : result.problems).toContain(problem);
  });

  it('keeps text in any script, with emoji and ordinary punctuation', () => {
    const result = validateElevationRequest(event({ ...valid, reason: 'Redémarrer le worker — 支付 🚑 (ticket #42)', requester: 'ops-agent' }), settings, now);
    expect(result.ok).toBe(true);
  });

  it('reports every problem at once', () => {
    const result = validateElevationRequest(event({ ...valid, account: 'dev', minutes: 0, reason: '' }), settings, now);
    expect(result.ok ? [] : result.problems).toHaveLength(3);
  });
});

describe('requestIdFor', () => {
  it('prefers the agent-supplied id and falls back to the EventBridge event id', () => {
    expect(requestIdFor({ id: 'x', detail: { requestId: 'req-00000001' } })).toBe('req-00000001');
    expect(requestIdFor({ id: 'f3b6c1a2-6a0e-4a4e-9d0e-3f1f4a6b7c8d', detail: {} })).toBe('f3b6c1a2-6a0e-4a4e-9d0e-3f1f4a6b7c8d');
  });
});

describe('describeRejectedRequest', () => {
  it('passes on only well-formed identifiers, and the sender from the envelope', () => {
    expect(describeRejectedRequest(event({ ...valid, account: '<b>prod</b>', role: 'Ops' }))).toEqual({
      requestId: 'req-00000001',
      role: 'Ops',
      agentSource: 'jit.agent',
    });
    expect(describeRejectedRequest({ ...event(valid), source: 'jit.agent.ops-bot' })).toMatchObject({ agentSource: 'jit.agent.ops-bot' });
    expect(describeRejectedRequest({ not: 'an event' })).toEqual({});
  });
});

describe('validateElevationRequest: the plan the session policy enforces', () => {
  const service = 'arn:aws:ecs:eu-west-1:222222222222:service/prod/payments';

  it('keeps resources named for planned IAM actions', () => {
    const result = validateElevationRequest(event({ ...valid, plannedActions: ['ecs:UpdateService'], plannedResources: { 'ecs:UpdateService': [service] } }), settings, now);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ plannedActions: ['ecs:UpdateService'], plannedResources: { 'ecs:UpdateService': [service] } }) });
  });

  it.each([
    [{ plannedActions: ['ecs:UpdateService'], plannedResources: { 'ecs:StopTask': [service] } }, 'plannedResources.ecs:StopTask: names no IAM action of plannedActions'],
    [{ plannedActions: ['ecs:UpdateService'], plannedResources: { 'ecs:UpdateService': ['payments'] } }, 'plannedResources.ecs:UpdateService.0: not an ARN (arn:partition:service:region:account:resource; wildcards allowed, no policy variables)'],
    [{ plannedActions: ['s3:GetObject'], plannedResources: { 's3:GetObject': ['arn:aws:s3:::bucket/${aws:username}/*'] } }, 'plannedResources.s3:GetObject.0: not an ARN (arn:partition:service:region:account:resource; wildcards allowed, no policy variables)'],
  ])('refuses %j', (plan, problem) => {
    expect(validateElevationRequest(event({ ...valid, ...plan }), settings, now)).toEqual({ ok: false, problems: [problem] });
  });

  it('refuses, at Register, a plan whose session policy cannot fit in 2,048 characters', () => {
    // Prepare: two actions the role allows, each on ten long services of clusters of their own (nothing to widen).
    const services = (name: string) => Array.from({ length: 10 }, (_, i) => `arn:aws:ecs:eu-west-1:222222222222:service/cluster-${i}-${'c'.repeat(40)}/${name}`);
    const plannedActions = ['ecs:UpdateService', 'ecs:DescribeServices'];
    const plannedResources = { 'ecs:UpdateService': services('payments'), 'ecs:DescribeServices': services('billing') };

    // Act
    const result = validateElevationRequest(event({ ...valid, plannedActions, plannedResources }), settings, now);

    // Assess
    expect(result).toEqual({ ok: false, problems: [expect.stringMatching(/^plannedActions: the plan needs a session policy of \d+ characters after compression; STS allows 2048 \(AssumeRole Policy\)/)] });
  });

  it('refuses, at Register, a plan naming actions the role does not allow, naming each (the grant could never do them)', () => {
    // Act
    const result = validateElevationRequest(event({ ...valid, plannedActions: ['ecs:UpdateService', 'iam:CreateUser', 'ec2:TerminateInstances', 'restart the worker'] }), settings, now);

    // Assess
    expect(result).toEqual({
      ok: false,
      problems: [
        'plannedActions: outside the role Ops, so the grant could never do them: iam:CreateUser (the role Ops does not allow it in eu-west-1, us-east-1); ' +
          'ec2:TerminateInstances (the ceiling denies ec2:TerminateInstances to every elevated role). Plan only what the role allows, or ask for a role that allows it.',
      ],
    });
  });

  it('refuses a planned wildcard wider than the role (Ops has three ecs actions, not ecs:*)', () => {
    const wide = validateElevationRequest(event({ ...valid, plannedActions: ['ecs:*'] }), settings, now);
    expect(wide).toEqual({ ok: false, problems: [expect.stringContaining('ecs:* (the role Ops does not allow it (all of this wildcard) in eu-west-1)')] });
  });

  it('accepts the same plan for a role that allows it (Security may create users)', () => {
    const result = validateElevationRequest(event({ ...valid, role: 'Security', minutes: 5, plannedActions: ['iam:CreateUser'] }), settings, now);
    expect(result).toMatchObject({ ok: true });
  });

  it('cannot check a plan against a role whose policy the settings do not carry, and leaves it to the proofs', () => {
    const result = validateElevationRequest(event({ ...valid, plannedActions: ['iam:CreateUser'] }), { ...settings, rolePolicies: undefined }, now);
    expect(result).toMatchObject({ ok: true });
  });

  it("leaves a plan to IAM and the proofs when the role's policy uses what the evaluator does not evaluate (policy variables)", () => {
    const variables = { ...settings, rolePolicies: { Ops: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::home/${aws:username}/*' }] } } };
    expect(validateElevationRequest(event({ ...valid, plannedActions: ['s3:GetObject'] }), variables, now)).toMatchObject({ ok: true });
  });
});
