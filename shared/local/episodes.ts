/** Alert episodes (firing → resolved) from the transitions a run decided: the backtest's `alerts`. */
import type { Transition } from '../core/alert';

export interface Episode {
  rule: string;
  signal: string;
  severity: string;
  labels: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  suppressedBy: string | null;
  /** Highest value text seen at a transition, for the report. */
  text: string;
  /** When the episode first reached each tier it reached (firing or escalated), ISO. */
  reached?: Partial<Record<string, string>>;
}

export function collectEpisodes(transitions: Transition[]): Episode[] {
  const open = new Map<string, Episode>();
  const done: Episode[] = [];
  for (const t of transitions) {
    const s = t.state;
    const iso = new Date(t.at).toISOString();
    if (t.kind === 'firing') {
      open.set(s.fingerprint, { rule: s.rule, signal: s.signal, severity: s.tier ?? 'info', labels: s.labels, startsAt: iso, endsAt: null, suppressedBy: s.suppressedBy, text: s.headline || s.text, reached: { [s.tier ?? 'info']: iso } });
      continue;
    }
    const ep = open.get(s.fingerprint);
    if (!ep) continue;
    if (t.kind === 'escalated') {
      ep.severity = s.maxTier ?? ep.severity;
      if (s.tier) (ep.reached ??= {})[s.tier] ??= iso;
      ep.text = s.headline || s.text;
    } else {
      ep.endsAt = iso;
      ep.suppressedBy = s.suppressedBy;
      done.push(ep);
      open.delete(s.fingerprint);
    }
  }
  for (const ep of open.values()) {
    done.push(ep);
  }
  return done.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.rule.localeCompare(b.rule));
}
