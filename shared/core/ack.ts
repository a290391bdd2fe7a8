/**
 * What the Slack message (notify) and the ack endpoint (ack) must agree on: the Acknowledge
 * button and the alert episode its value names; and what acknowledging can come to (state, ack, cli).
 */
import type { AckRecord, AlertState } from './alert';

export const ACK_ACTION_ID = 'bedrock-watch-ack';

/** Which alert episode a button acknowledges: fingerprint and episode start (ms). */
export interface AlertRef {
  fingerprint: string;
  episode: number | null;
}

export const ackValue = (fingerprint: string, episodeMs: number) => `${fingerprint}@${episodeMs}`;

export function parseAckValue(value: string): AlertRef | null {
  const m = /^([0-9a-f]{8,64})@(\d{1,15})$/.exec(value);
  return m ? { fingerprint: m[1], episode: Number(m[2]) } : null;
}

/** A grouped message's button acknowledges the group: its stream key (`g<hash>@<createdAt>`). */
export const groupAckValue = (key: string) => `group:${key}`;

/** What a button value acknowledges: one alert episode, or a whole group by its key; null if it is not ours. */
export function parseAckTarget(value: string): { alert: AlertRef } | { group: string } | null {
  const g = /^group:(g[0-9a-f]{20}@\d{1,15})$/.exec(value);
  if (g) return { group: g[1] };
  const alert = parseAckValue(value);
  return alert ? { alert } : null;
}

/** The actions block put on a firing alert's Slack message (`value`: ackValue or groupAckValue). */
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
