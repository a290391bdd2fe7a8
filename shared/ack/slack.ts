/**
 * The Slack side of acknowledging: the Acknowledge button on alert messages, the interaction
 * payload Slack posts when someone presses it, and the message that replaces the original.
 * Pure: no HTTP, no AWS.
 */
import type { AckRecord } from '../core/alert';
import { ACK_ACTION_ID, parseAckTarget, type AlertRef } from '../core/ack';

export { ACK_ACTION_ID };

export interface SlackAckAction {
  /** One alert episode, or a group by its stream key (a grouped message's button). */
  target: { alert: AlertRef } | { group: string };
  /** The Slack user, as shown in the record: their username (or name, or id). */
  user: string;
  userId: string;
  responseUrl: string;
  /** The message the button was on, to be updated in place. */
  blocks: unknown[];
  text: string;
}

/**
 * The `payload` form field of a block_actions interaction; null for anything that is not a press
 * of our button (other interaction types are acknowledged with 200 and ignored).
 */
export function parseSlackInteraction(formBody: string): SlackAckAction | null {
  const raw = new URLSearchParams(formBody).get('payload');
  if (!raw) return null;
  let p: Record<string, any>;
  try {
    p = JSON.parse(raw);
  } catch {
    return null;
  }
  if (p?.type !== 'block_actions' || !Array.isArray(p.actions)) return null;
  const action = p.actions.find((a: { action_id?: unknown }) => a?.action_id === ACK_ACTION_ID);
  const target = typeof action?.value === 'string' ? parseAckTarget(action.value) : null;
  const user = p.user ?? {};
  const userId = typeof user.id === 'string' ? user.id : '';
  if (!target || !userId || typeof p.response_url !== 'string') return null;
  return {
    target,
    user: [user.username, user.name, userId].find((x) => typeof x === 'string' && x) as string,
    userId,
    responseUrl: p.response_url,
    blocks: Array.isArray(p.message?.blocks) ? p.message.blocks : [],
    text: typeof p.message?.text === 'string' ? p.message.text : '',
  };
}

const VIA = { slack: 'Slack', pagerduty: 'PagerDuty', cli: 'the CLI' } as const;

/** The original message with the button replaced by who acknowledged it and when (response_url body). */
export function acknowledgedMessage(action: SlackAckAction, ack: AckRecord) {
  const seconds = Math.floor(ack.ackedAt / 1000);
  const who = ack.via === 'slack' && ack.ackedBy === action.user ? `<@${action.userId}>` : ack.ackedBy.replace(/[<>&]/g, '');
  const note = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `:raised_hand: Acknowledged by ${who} via ${VIA[ack.via]} <!date^${seconds}^{date_short_pretty} {time}|${new Date(ack.ackedAt).toISOString()}>` }],
  };
  const blocks = action.blocks.filter((b) => (b as { block_id?: unknown })?.block_id !== ACK_ACTION_ID);
  return { replace_original: true, text: action.text || 'Alert acknowledged', blocks: [...blocks, note].slice(0, 50) };
}

/** A reply only the presser sees, when there was nothing (more) to acknowledge. */
export const ephemeral = (text: string) => ({ response_type: 'ephemeral', replace_original: false, text });
