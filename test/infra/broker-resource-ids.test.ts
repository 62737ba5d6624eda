import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthApp } from '../helpers/synth';

/**
 * Logical IDs are resource identities: CloudFormation replaces a resource whose logical ID changes, and
 * a replaced resource with a fixed name (the broker's roles, table, bus, secrets) fails to deploy, while
 * a replaced table or secret loses its data. Refactoring the stack's constructs must keep every one.
 * Adding or removing a resource on purpose means updating broker-resource-ids.json in the same change.
 */
const PINNED = join(__dirname, 'broker-resource-ids.json');

describe('BrokerStack resource identities', () => {
  it('keeps every logical ID and resource type of the committed list', () => {
    const { json } = synthApp();
    const actual = Object.fromEntries(
      Object.entries(json.Resources)
        .map(([logicalId, resource]) => [logicalId, resource.Type] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    const pinned = JSON.parse(readFileSync(PINNED, 'utf8')) as Record<string, string>;
    expect(actual).toEqual(pinned);
  });
});
