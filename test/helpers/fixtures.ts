import type { ElevationRequest } from '../../handlers/core/elevation-request';

/** A valid request for account prod (222222222222), role Ops, 5 minutes. */
export function sampleRequest(overrides: Partial<ElevationRequest> = {}): ElevationRequest {
  return {
    requestId: 'req-00000001',
    accountId: '222222222222',
    accountName: 'prod',
    role: 'Ops',
    minutes: 5,
    reason: 'Restart the worker',
    plannedActions: [],
    requestedAt: '2026-11-28T09:59:00.000Z',
    ...overrides,
  };
}
