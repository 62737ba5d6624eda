import type { ReplayGuard } from '../../../handlers/ports/replay-guard';

/**
 * The replay guard's contract in memory: a key is a first sighting once; a repeat is refused until the
 * time it was to be remembered for has passed, after which it counts as unseen again (as the DynamoDB
 * adapter's conditional put treats an item past its TTL that DynamoDB has not deleted yet).
 */
export class InMemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, Date>();

  constructor(private readonly now: () => Date) {}

  async firstSighting(key: string, forgetAfter: Date): Promise<boolean> {
    const remembered = this.seen.get(key);
    if (remembered && remembered.getTime() >= this.now().getTime()) return false;
    this.seen.set(key, forgetAfter);
    return true;
  }
}
