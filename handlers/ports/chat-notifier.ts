import type { ApprovalPrompt, PromptOutcome } from '../core/slack-message';
import type { ElevationRequest } from '../core/elevation-request';

/** Where a posted prompt is, so it can be updated with the outcome. */
export interface PostedPrompt {
  readonly channel: string;
  readonly ts: string;
}

/**
 * A chat workspace where approvers get the approval prompt beside the email, and see it replaced by the
 * outcome once someone decides.
 */
export interface ChatNotifier {
  /**
   * Posts the prompt to the configured channel, or to each approver's direct messages. With `to`, only to
   * the request's routed approvers (their direct messages) or the route's own channel (approver-routing.ts).
   */
  announce(prompt: (recipient: ChatRecipient) => ApprovalPrompt, to?: ChatAudience): Promise<readonly PostedPrompt[]>;
  /** Replaces a posted prompt with its outcome: no buttons left. */
  settle(posted: PostedPrompt, request: Pick<ElevationRequest, 'requestId' | 'role' | 'accountName' | 'minutes'>, outcome: PromptOutcome): Promise<void>;
  /** Tells only the person who pressed a button why nothing happened. */
  tellPrivately(responseUrl: string, text: string): Promise<void>;
}

/** Who one copy of the prompt goes to: a channel everyone reads, or one approver's direct messages. */
export type ChatRecipient = { readonly kind: 'channel' } | { readonly kind: 'direct'; readonly approver: string };

/** Who a request's prompt may reach: its routed approvers, and the channel its route names, if any. */
export interface ChatAudience {
  readonly approvers: readonly string[];
  readonly channel?: string;
}
