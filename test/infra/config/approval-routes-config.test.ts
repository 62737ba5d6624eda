import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadJitConfig, toBrokerSettings } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'jit-routes-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Approval = Record<string, unknown>;
let n = 0;
function load(approval: (current: Approval) => Approval) {
  const config = structuredClone(example);
  config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  config.approval = approval(config.approval);
  const file = join(dir, `jit.config.${(n += 1)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return loadJitConfig(file);
}

function problemsOf(approval: (current: Approval) => Approval): string[] {
  try {
    load(approval);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('the config loaded');
}

describe('Config: approval.routes and approval.groups', () => {
  it('resolves groups and account names, keeps the fallback last, and hands the routes to the functions', () => {
    // Act
    const { config } = load((a) => ({
      ...a,
      groups: { 'security-team': ['sec-a@example.com', 'sec-b@example.com'] },
      routes: [
        { role: 'Security', approvers: ['security-team'], quorum: 2 },
        { account: 'prod', role: 'Deploy', approvers: ['release@example.com', 'security-team'] },
      ],
    }));
    const settings = toBrokerSettings(config);

    // Assess
    expect(settings.approvalRoutes).toEqual([
      { role: 'Security', approvers: ['sec-a@example.com', 'sec-b@example.com'], quorum: 2 },
      { account: '222222222222', role: 'Deploy', approvers: ['release@example.com', 'sec-a@example.com', 'sec-b@example.com'] },
      { approvers: ['security-lead@example.com'] },
    ]);
    expect(settings.approvers).toEqual(['security-lead@example.com', 'sec-a@example.com', 'sec-b@example.com', 'release@example.com']);
  });

  it('keeps the one list of approvers working without routes', () => {
    const settings = toBrokerSettings(load((a) => a).config);
    expect(settings.approvalRoutes).toBeUndefined();
    expect(settings.approvers).toEqual(['security-lead@example.com']);
  });

  it('refuses a config that leaves an account/role pair without an approver, naming the pair', () => {
    const problems = problemsOf(({ iamPrincipals: _none, ...a }) => ({ ...a, approvers: [], routes: [{ account: 'prod', approvers: ['ops@example.com'] }] }));
    expect(problems).toEqual([
      'approval.routes: account staging (333333333333), role Ops: no approver is routed to it (no route matches and approval.approvers is empty); add a route or fallback approvers',
      'approval.routes: account staging (333333333333), role Deploy: no approver is routed to it (no route matches and approval.approvers is empty); add a route or fallback approvers',
      'approval.routes: account staging (333333333333), role Security: no approver is routed to it (no route matches and approval.approvers is empty); add a route or fallback approvers',
    ]);
  });

  it('refuses a quorum larger than its route, unknown groups, accounts and roles, and two routes for one pair', () => {
    expect(problemsOf((a) => ({ ...a, routes: [{ role: 'Security', approvers: ['one@example.com'], quorum: 2 }] }))).toEqual([
      'approval.routes: account prod (222222222222), role Security: its role route needs 2 approvals but lists 1 approver(s) (one@example.com)',
      'approval.routes: account staging (333333333333), role Security: its role route needs 2 approvals but lists 1 approver(s) (one@example.com)',
    ]);
    expect(problemsOf((a) => ({ ...a, routes: [{ role: 'Ops', approvers: ['nobody-team'] }] }))).toEqual([
      expect.stringMatching(/^approval\.routes\.0\.approvers\.0: names group "nobody-team", which approval\.groups does not define/),
    ]);
    expect(
      problemsOf((a) => ({
        ...a,
        routes: [
          { account: 'qa', approvers: ['x@example.com'] },
          { role: 'Admin', approvers: ['x@example.com'] },
          { account: '222222222222', role: 'Ops', approvers: ['x@example.com'] },
          { account: 'prod', role: 'Ops', approvers: ['y@example.com'] },
        ],
      })),
    ).toEqual([
      expect.stringMatching(/^approval\.routes\.0\.account: not a configured account/),
      expect.stringMatching(/^approval\.routes\.1\.role: not a configured role/),
      'approval.routes.3: routes the same account prod and role Ops as approval.routes.2',
    ]);
    expect(problemsOf((a) => ({ ...a, routes: [{ approvers: ['x@example.com'] }] }))).toEqual([
      expect.stringMatching(/^approval\.routes\.0: must name an account, a role or both \(approval\.approvers is the fallback\)/),
    ]);
  });
});
