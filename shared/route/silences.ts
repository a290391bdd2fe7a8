/** Silences (Alertmanager's): matchers with a start and an end, made with `bedrock-watch silence add`. Pure matching. */
import { matchesAll, parseMatcher, type Matcher } from '../rules/matchers';

export type { Silence } from '../core/silence';
import type { Silence } from '../core/silence';

const parsed = new Map<string, Matcher[] | null>();

/** The silence's matchers, or null when one no longer parses (a silence that cannot match silences nothing). */
export function silenceMatchers(s: Pick<Silence, 'matchers'>): Matcher[] | null {
  const key = s.matchers.join('\n');
  if (!parsed.has(key)) {
    const ms = s.matchers.map(parseMatcher);
    parsed.set(key, ms.every((m): m is Matcher => typeof m !== 'string') && ms.length > 0 ? ms : null);
  }
  return parsed.get(key) ?? null;
}

export const isActive = (s: Silence, now: number): boolean => s.startsAt <= now && now < s.endsAt;

/** The first active silence matching the labels, or null. */
export function silencedBy(silences: readonly Silence[], labels: Readonly<Record<string, string>>, now: number): Silence | null {
  for (const s of silences) {
    const ms = silenceMatchers(s);
    if (ms && isActive(s, now) && matchesAll(ms, labels)) return s;
  }
  return null;
}
