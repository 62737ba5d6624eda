import { RATE_LIMITED_ERROR } from '../../../handlers/core/errors';
import { registerRequest } from '../../../handlers/use-cases/register-request';
import { InMemoryGrantLeases } from '../../fakes/ports/in-memory-grant-leases';
import { InMemoryRequestQuotas } from '../../fakes/ports/in-memory-request-quotas';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { ManualClock } from '../../helpers/approval-fixtures';
import { requestEvent } from '../../helpers/fixtures';
import { exampleSettings } from '../../helpers/synth';

const detail = (requestId: string) => ({ requestId, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' });
const event = (requestId: string, n: number) => requestEvent(detail(requestId), `d0000000-0000-4000-8000-${String(n).padStart(12, '0')}`);

function subject(limits = { pendingPerAgent: 2, requestsPerHourPerAgent: 3 }) {
  const quotas = new InMemoryRequestQuotas();
  const deps = {
    store: new InMemoryRequestStore(),
    leases: new InMemoryGrantLeases(),
    quotas,
    settings: { ...exampleSettings(), requestLimits: limits },
    clock: new ManualClock(new Date('2026-11-28T10:00:05Z')),
  };
  return { deps, quotas };
}

describe('registerRequest: per-agent limits', () => {
  it('refuses the request past the pending limit, naming the limit', async () => {
    // Prepare
    const { deps } = subject();
    await registerRequest({ event: event('req-aaaa', 1), executionId: 'exec-a' }, deps);
    await registerRequest({ event: event('req-bbbb', 2), executionId: 'exec-b' }, deps);

    // Act
    const third = await registerRequest({ event: event('req-cccc', 3), executionId: 'exec-c' }, deps);

    // Assess
    expect(third).toMatchObject({ status: 'rate-limited', request: { requestId: 'req-cccc' }, refusal: { Error: RATE_LIMITED_ERROR } });
    expect(third.status === 'rate-limited' && third.refusal.Cause).toMatch(/jit-agent already has 2 requests waiting for a decision \(limits\.pendingPerAgent\)/);
  });

  it('refuses the request past the hourly limit even when decided requests freed their pending slots', async () => {
    // Prepare
    const { deps, quotas } = subject();
    for (const [i, id] of ['req-aaaa', 'req-bbbb', 'req-cccc'].entries()) {
      await registerRequest({ event: event(id, i), executionId: `exec-${id}` }, deps);
      await quotas.releasePending('default', id);
    }

    // Act
    const fourth = await registerRequest({ event: event('req-dddd', 9), executionId: 'exec-d' }, deps);

    // Assess
    expect(fourth.status === 'rate-limited' && fourth.refusal.Cause).toMatch(/asked 3 times this hour \(limits\.requestsPerHourPerAgent\)/);
    expect(quotas.holders.get('PENDING#default')).toEqual(new Set());
  });

  it('gives back the slots of requests whose execution stopped before an outcome, long past their approval window', async () => {
    // Prepare: two requests took the slots and were never decided nor recorded (their executions stopped)
    const { deps, quotas } = subject();
    await registerRequest({ event: event('req-aaaa', 1), executionId: 'exec-a' }, deps);
    await registerRequest({ event: event('req-bbbb', 2), executionId: 'exec-b' }, deps);
    deps.clock.advance((deps.settings.approvalWindowMinutes + 16) * 60_000);

    // Act: the next hour, so the hourly limit is not what decides
    const later = registerRequest({ event: requestEvent(detail('req-cccc'), 'd0000000-0000-4000-8000-000000000003'), executionId: 'exec-c' }, deps);

    // Assess
    await expect(later).resolves.toMatchObject({ status: 'registered' });
    expect(await quotas.pendingHolders('default')).toEqual(['req-cccc']);
  });

  it('takes no second slot when Step Functions retries the Register of the same execution', async () => {
    // Prepare: the first attempt registered and took its slot, then the task was retried
    const { deps } = subject();
    await registerRequest({ event: event('req-aaaa', 1), executionId: 'exec-a' }, deps);

    // Act
    const retried = await registerRequest({ event: event('req-aaaa', 1), executionId: 'exec-a' }, deps);
    const second = await registerRequest({ event: event('req-bbbb', 2), executionId: 'exec-b' }, deps);

    // Assess: the limit is two, and both requests fit
    expect(retried.status).toBe('registered');
    expect(second.status).toBe('registered');
  });
});
