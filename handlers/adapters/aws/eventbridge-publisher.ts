import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BROKER_EVENT_SOURCE, type BrokerEvent, detailTypeFor } from '../../core/broker-event';
import { publishedDetail } from '../../core/request-status';
import type { EventPublisher } from '../../ports/event-publisher';

/** Publishes broker events on the broker's custom bus. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(event: BrokerEvent): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: BROKER_EVENT_SOURCE,
            DetailType: detailTypeFor(event.outcome),
            Detail: JSON.stringify(publishedDetail(event)),
          },
        ],
      }),
    );
    // PutEvents reports per-entry failures in the response instead of throwing; an unpublished
    // outcome must not pass silently.
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new Error(`EventBridge did not accept the ${detailTypeFor(event.outcome)} event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
