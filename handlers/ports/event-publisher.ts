import type { BrokerEvent } from '../core/broker-event';

/** Publishes broker events (source `jit.broker`) on the broker's bus. */
export interface EventPublisher {
  publish(event: BrokerEvent): Promise<void>;
}
