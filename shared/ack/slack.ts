/**
 * The Slack side of acknowledging: the Acknowledge button on alert messages, the interaction
 * payload Slack posts when someone presses it, and the message that replaces the original.
 * Pure: no HTTP, no AWS.
 */
import type { AckRecord } from '../core/alert';
import { ACK_ACTION_ID } from '../core/ack';
import { buttonKey } from '../core/stream-keys';

export { ACK_ACTION_ID };

export interface SlackAckAction {
  /** The button's value as pressed, and the stream's external key it names (core/stream-keys.ts). */
  value: string;
  key: string;
  /** The value of the Acknowledge button on the message the press came from (null if it has none). */
  messageButton: string | null;
  /** The Slack user's display handle (username, or name, or id): for logs only; the record keeps the id. */
  user: string;
  userId: string;
  /** Workspace, app and channel of the press (empty when the payload does not say). */
  teamId: string;
  appId: string;
  channelId: string;
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
  const value = typeof action?.value === 'string' ? (action.value as string) : null;
  const key = value === null ? null : buttonKey(value);
  const user = p.user ?? {};
  const userId = typeof user.id === 'string' ? user.id : '';
  if (value === null || key === null || !userId || typeof p.response_url !== 'string') return null;
  const str = (x: unknown) => (typeof x === 'string' ? x : '');
  const blocks: unknown[] = Array.isArray(p.message?.blocks) ? p.message.blocks : [];
  const own = blocks.find((b) => (b as { block_id?: unknown })?.block_id === ACK_ACTION_ID) as { elements?: { action_id?: unknown; value?: unknown }[] } | undefined;
  const button = own?.elements?.find((e) => e?.action_id === ACK_ACTION_ID);
  return {
    value,
    key,
    messageButton: typeof button?.value === 'string' ? button.value : null,
    user: [user.username, user.name, userId].find((x) => typeof x === 'string' && x) as string,
    userId,
    // team.id (user.team_id for some payloads), api_app_id, channel.id (container.channel_id).
    teamId: str(p.team?.id) || str(user.team_id),
    appId: str(p.api_app_id),
    channelId: str(p.channel?.id) || str(p.container?.channel_id),
    responseUrl: p.response_url,
    blocks,
    text: typeof p.message?.text === 'string' ? p.message.text : '',
  };
}

const VIA = { slack: 'Slack', pagerduty: 'PagerDuty', cli: 'the CLI' } as const;

/** The original message with the button replaced by who acknowledged it and when (response_url body). */
export function acknowledgedMessage(action: SlackAckAction, ack: AckRecord) {
  const seconds = Math.floor(ack.ackedAt / 1000);
    // A Slack ack records the user id (names can be changed): Slack shows it as the person's current name.
  const who = ack.via === 'slack' && /^[UW][A-Z0-9]{2,20}$/.test(ack.ackedBy) ? `<@${ack.ackedBy}>` : ack.ackedBy.replace(/[<>&]/g, '');
  const note = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `:raised_hand: Acknowledged by ${who} via ${VIA[ack.via]} <!date^${seconds}^{date_short_pretty} {time}|${new Date(ack.ackedAt).toISOString()}>` }],
  };
  const blocks = action.blocks.filter((b) => (b as { block_id?: unknown })?.block_id !== ACK_ACTION_ID);
  return { replace_original: true, text: action.text || 'Alert acknowledged', blocks: [...blocks, note].slice(0, 50) };
}

/** A reply only the presser sees, when there was nothing (more) to acknowledge. */
export const ephemeral = (text: string) => ({ response_type: 'ephemeral', replace_original: false, text });
