/** The scheduled event that starts a tick. Its `time` is the tick's `now`, so a redelivered event decides the same. */
export class BadEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadEventError';
  }
}

export function tickTime(event: unknown): number {
  const e = event as { time?: unknown; 'detail-type'?: unknown } | null;
  if (!e || typeof e !== 'object') throw new BadEventError(`bad event: expected an EventBridge Scheduled Event object, got ${JSON.stringify(event)}`);
  if (typeof e.time !== 'string') throw new BadEventError('bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json');
  const t = Date.parse(e.time);
  if (!Number.isFinite(t)) throw new BadEventError(`bad event: field "time" is not an ISO date: ${JSON.stringify(e.time)}`);
  return t;
}
