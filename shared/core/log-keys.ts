/** Names of the invocation-log series in a frame (pure, shared by the engine and the log sources). */
import type { Outcome } from './logs';

export const logKey = (o: Outcome | 'requests'): string => `Log:${o}`;
/** Tokens (input + output) of one caller identity, per minute. */
export const CALLER_PREFIX = 'Caller:';
export const callerKey = (caller: string): string => `${CALLER_PREFIX}${caller}`;
