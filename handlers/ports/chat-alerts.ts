import type { SlackMessage } from '../core/slack-message';

/** Where an alert reaches every approver in chat at once: the configured channel, or each approver's direct messages. */
export interface ChatAlerts {
  /** Posts the alert; returns how many copies were posted. */
  alert(message: SlackMessage): Promise<number>;
}
