import { join } from 'node:path';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { loadJitConfig } from '../../../infra/config/load-config';
import { evaluate } from '../../helpers/iam-simulator';
import { identityPoliciesOf, principalLogicalId, secretResourcePolicy, synthesizedStack } from '../../helpers/iam-template';
import { synthApp } from '../../helpers/synth';

/**
 * Two agents (test/configs/two-agents.config.json), evaluated from the synthesized broker stack: each may
 * read only its own secrets and queue, and send only with its own event source.
 */
const loaded = loadJitConfig(join(__dirname, '..', '..', 'configs', 'two-agents.config.json'));
const broker = synthesizedStack(synthApp(loaded).stacks.broker);
const hub = loaded.config.hub.account;
const region = loaded.config.hub.region;
const PROD = '222222222222';
const secretArn = (name: string) => `arn:aws:secretsmanager:${region}:${hub}:secret:${name}-AbCdEf`;
const queueArn = (name: string) => `arn:aws:sqs:${region}:${hub}:${name}`;
const bus = `arn:aws:events:${region}:${hub}:event-bus/${BROKER_NAMES.eventBus}`;

const agents = {
  first: { arn: `arn:aws:iam::${hub}:user/jit-agent`, policies: identityPoliciesOf(broker, principalLogicalId(broker, 'user', 'jit-agent')), secret: `agent/elevated/${PROD}`, queue: 'jit-agent-notifications', source: 'jit.agent' },
  opsBot: {
    arn: `arn:aws:iam::${hub}:user/jit-agent-ops-bot`,
    policies: identityPoliciesOf(broker, principalLogicalId(broker, 'user', 'jit-agent-ops-bot')),
    secret: `agent/ops-bot/elevated/${PROD}`,
    queue: 'jit-agent-notifications-ops-bot',
    source: 'jit.agent.ops-bot',
  },
};
type Agent = (typeof agents)[keyof typeof agents];

/** GetSecretValue as AWS decides it for a same-account caller: identity policy and the secret's resource policy. */
const readSecret = (agent: Agent, secretName: string) =>
  evaluate({
    principal: agent.arn,
    action: 'secretsmanager:GetSecretValue',
    resource: secretArn(secretName),
    identityPolicies: agent.policies,
    resourcePolicy: secretResourcePolicy(broker, secretName),
  });

describe('Several agents: each reads only its own secrets and queue (synthesized policies)', () => {
  it('lets each agent read its own secret', async () => {
    await expect(readSecret(agents.first, agents.first.secret)).resolves.toBe('Allowed');
    await expect(readSecret(agents.opsBot, agents.opsBot.secret)).resolves.toBe('Allowed');
  });

  it("denies agent A the secret of agent B, explicitly (the secret's resource policy), both ways", async () => {
    await expect(readSecret(agents.first, agents.opsBot.secret)).resolves.toBe('ExplicitlyDenied');
    await expect(readSecret(agents.opsBot, agents.first.secret)).resolves.toBe('ExplicitlyDenied');
  });

  it("gives no agent an identity permission on another agent's secret", async () => {
    for (const [reader, other] of [
      [agents.first, agents.opsBot],
      [agents.opsBot, agents.first],
    ] as const) {
      const decision = await evaluate({ principal: reader.arn, action: 'secretsmanager:GetSecretValue', resource: secretArn(other.secret), identityPolicies: reader.policies });
      expect(decision).toBe('ImplicitlyDenied');
    }
  });

  it("lets each agent consume its own queue and not the other's", async () => {
    for (const [reader, other] of [
      [agents.first, agents.opsBot],
      [agents.opsBot, agents.first],
    ] as const) {
      const receive = (queue: string) => evaluate({ principal: reader.arn, action: 'sqs:ReceiveMessage', resource: queueArn(queue), identityPolicies: reader.policies });
      await expect(receive(reader.queue)).resolves.toBe('Allowed');
      await expect(receive(other.queue)).resolves.toBe('ImplicitlyDenied');
    }
  });

  it('lets each agent send only with its own source, so none can ask as another', async () => {
    // `events:source` holds the Source of every entry of the PutEvents call.
    // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html
    const put = (agent: Agent, sources: string[]) =>
      evaluate({ principal: agent.arn, action: 'events:PutEvents', resource: bus, identityPolicies: agent.policies, request: { eventSources: sources } });
    await expect(put(agents.first, ['jit.agent'])).resolves.toBe('Allowed');
    await expect(put(agents.first, ['jit.agent.ops-bot'])).resolves.toBe('ImplicitlyDenied');
    await expect(put(agents.opsBot, ['jit.agent.ops-bot'])).resolves.toBe('Allowed');
    await expect(put(agents.opsBot, ['jit.agent'])).resolves.toBe('ImplicitlyDenied');
    await expect(put(agents.opsBot, ['jit.agent.ops-bot', 'jit.agent'])).resolves.toBe('ImplicitlyDenied');
  });
});
