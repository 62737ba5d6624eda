import type { BrokerEvent } from '../../../handlers/core/broker-event';
import type { EventPublisher } from '../../../handlers/ports/event-publisher';

/**
 * The event publisher's contract in memory: every published event, in order. EventBridge delivers at
 * least once, so a use case must tolerate its own events being seen twice; this fake records exactly
 * what was published, so a test can count.
 */
export class RecordingEventPublisher implements EventPublisher {
  readonly events: BrokerEvent[] = [];

  async publish(event: BrokerEvent): Promise<void> {
    this.events.push(structuredClone(event));
  }
}
