import type { AlertState } from '../core/alert';

/** An acknowledgement counts for the episode it was given in only: a new episode starts unacknowledged. */
export const isAcked = (s: AlertState): boolean => !!s.ack && s.startsAt !== null && s.ack.episode === s.startsAt;
