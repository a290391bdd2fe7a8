/**
 * What the Slack message (notify) and the ack endpoint (ack) must agree on: the Acknowledge
 * button (its value: core/stream-keys.ts); and what acknowledging can come to (state, ack, cli).
 */
import type { AckRecord, AlertState } from './alert';

export const ACK_ACTION_ID = 'bedrock-watch-ack';

/** The actions block put on a firing alert's Slack message (`value`: the stream's signed key, core/stream-keys.ts). */
export function ackButtonBlock(value: string) {
  return {
    type: 'actions' as const,
    block_id: ACK_ACTION_ID,
    elements: [
      {
        type: 'button' as const,
        action_id: ACK_ACTION_ID,
        text: { type: 'plain_text' as const, text: 'Acknowledge', emoji: true },
        style: 'primary' as const,
        value,
      },
    ],
  };
}

export type AckOutcome =
  | { status: 'acked'; alert: AlertState; ack: AckRecord }
  /** Someone acknowledged this episode before. */
  | { status: 'already'; alert: AlertState; ack: AckRecord }
  /** The alert exists but the episode is over (resolved, or a newer one started). */
  | { status: 'not-firing'; alert: AlertState }
  | { status: 'unknown' };
