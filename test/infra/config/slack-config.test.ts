import { jitConfigSchema } from '../../../infra/config/jit-config';
import { toBrokerSettings } from '../../../infra/config/load-config';
import { exampleConfig } from '../../helpers/synth';
import { slackSection } from '../../helpers/slack-fixtures';

function withSlack(slack: unknown) {
  const { config } = exampleConfig();
  return jitConfigSchema.safeParse({ ...config, approval: { ...config.approval, slack } });
}

function problems(result: ReturnType<typeof withSlack>): string[] {
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('Config: approval.slack', () => {
  it('accepts a channel or direct messages, and hands the section to the functions as settings', () => {
    const channel = withSlack(slackSection());
    const direct = withSlack(slackSection({ postTo: 'direct' }));

    expect(channel.success && direct.success).toBe(true);
    if (channel.success) expect(toBrokerSettings(channel.data).slack).toEqual(slackSection());
    expect(toBrokerSettings(exampleConfig().config).slack).toBeUndefined();
  });

  it('refuses a Slack user mapped to someone who is not an approver, naming the user id', () => {
    expect(problems(withSlack(slackSection({ users: { U0MALLORY1: 'mallory@example.com' } })))).toEqual([
      'approval.slack.users.U0MALLORY1: must be one of approval.approvers (security-lead@example.com)',
    ]);
  });

  it('refuses channel names, malformed user ids, an empty mapping and unknown fields', () => {
    expect(problems(withSlack(slackSection({ postTo: '#approvals' })))).toEqual([
      'approval.slack.postTo: must be a channel id such as C0123456789, or "direct"',
    ]);
    expect(problems(withSlack(slackSection({ users: { alice: 'security-lead@example.com' } })))).toEqual([
      'approval.slack.users.alice: must be a Slack user id such as U0123456789',
    ]);
    expect(problems(withSlack(slackSection({ users: {} })))).toEqual(['approval.slack.users: must map at least one Slack user id to an approver']);
    expect(problems(withSlack({ ...slackSection(), signingSecret: 'inline-secret' }))).toEqual([expect.stringMatching(/^approval\.slack: Unrecognized key/)]);
  });

  it('takes an alarm address for the failed hand-offs alarm, refuses one that is not an address, and keeps it out of the functions\' settings', () => {
    const withAlarm = withSlack(slackSection({ alarmEmail: 'platform-oncall@example.com' }));

    expect(withAlarm.success).toBe(true);
    if (withAlarm.success) expect(toBrokerSettings(withAlarm.data).slack).toEqual(slackSection());
    expect(problems(withSlack(slackSection({ alarmEmail: 'oncall' })))).toEqual(['approval.slack.alarmEmail: must be an email address']);
  });
});
