/** The scheduled event that starts a tick. Its `time` is the tick's `now`, so a redelivered event decides the same. */
/** Bad input, not a bug: where it was thrown says nothing, so the error has no stack to print. */
export class BadEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadEventError';
    this.stack = `${this.name}: ${message}`;
  }
}

export function tickTime(event: unknown): number {
  const e = event as { time?: unknown; 'detail-type'?: unknown } | null;
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw new BadEventError(`bad event: expected an EventBridge Scheduled Event object, got ${preview(event)}`);
  if (typeof e.time !== 'string') throw new BadEventError('bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json');
  const t = Date.parse(e.time);
  if (!Number.isFinite(t)) throw new BadEventError(`bad event: field "time" is not an ISO date: ${preview(e.time)}`);
  return t;
}

/** Enough of a bad value to recognise it, on one short line (an event can be megabytes). */
function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} characters)` : text;
}
