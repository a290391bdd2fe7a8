/**
 * The shipped rules on awkward but normal traffic (shared/local/quiet.ts), through the real replay
 * path (evaluate and baseline handlers on a simulated clock): no page, no spend, cost or
 * unavailability alert at all, and no alert that re-fires within minutes of its resolve. Windows
 * are the hours where these rules went wrong in the field; the full three weeks per rule and week
 * are the bench's (`npm run bench`, shared/cli/bench-detection.ts).
 */
import { join } from 'node:path';
import { loadRulesFile } from '../../shared/rules/load';
import { replay } from '../../shared/local/replay-run';
import { QUIET_MODELS, quietWorkload, type Season } from '../../shared/local/quiet';
import type { Episode } from '../../shared/local/episodes';
import { DAY, HOUR, MINUTE } from '../../shared/core/time';

const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
const SPEND_COST_ABSENT = new Set(['bedrock-spend-rate', 'bedrock-daily-cost', 'bedrock-model-unavailable']);

interface Window {
  what: string;
  seed: number;
  season: Season;
  /** Judged from day `day` at `fromHour` UTC for `hours`. */
  day: number;
  fromHour: number;
  hours: number;
}

/** Episodes starting within `minutes` of the resolve of an earlier one of the same rule and model. */
export function refires(episodes: Episode[], minutes: number): string[] {
  const out: string[] = [];
  for (const e of episodes) {
    const before = episodes.find((p) => p !== e && p.rule === e.rule && p.labels.ModelId === e.labels.ModelId && p.endsAt !== null && Date.parse(e.startsAt) >= Date.parse(p.endsAt) && Date.parse(e.startsAt) - Date.parse(p.endsAt) < minutes * MINUTE);
    if (before) out.push(`${e.rule} ${e.labels.ModelId} resolved ${before.endsAt}, fired again ${e.startsAt}`);
  }
  return out;
}

const windows: Window[] = [
  // Saturday 2026-03-14, the first weekend after US summer time began (Sunday 03-08): the weekend-rest model stops at
  // local midnight, 05:00 UTC, an hour earlier than the week its baseline learned (the old baselines paged here).
  { what: 'the first weekend rest after a DST change', seed: 1, season: 'spring', day: 12, fromHour: 3, hours: 4 },
  // Monday 2026-10-26, the day after Europe's clocks went back (and a week and a half after the Berlin model's −30 %
  // step): UTC Monday 00–04 is New York's Sunday evening, the hours the spend warnings repeated every weekday.
  { what: 'New York Sunday evening on a UTC Monday, after the European DST change', seed: 2, season: 'autumn', day: 14, fromHour: 0, hours: 4 },
];

describe('quiet workloads through the shipped rules', () => {
  it.each(windows)('$what (seed $seed, $season): no page, no spend, cost or unavailability alert, no re-fire within minutes', async (w) => {
    const { workload } = quietWorkload(w.seed, w.season, w.day + 1);
    const from = workload.trace.from + w.day * DAY + w.fromHour * HOUR;
    const result = await replay({ config, metrics: workload.trace, from, to: from + w.hours * HOUR, store: 'memory' });
    const shown = (e: Episode) => `${e.severity} ${e.rule} ${e.labels.ModelId} ${e.startsAt}: ${e.text}`;
    expect({
      pages: result.episodes.filter((e) => e.severity === 'critical').map(shown),
      spendCostAbsent: result.episodes.filter((e) => SPEND_COST_ABSENT.has(e.rule)).map(shown),
      refires: refires(result.episodes, 15),
    }).toEqual({ pages: [], spendCostAbsent: [], refires: [] });
    // The judged hours covered what they are meant to: the weekend-rest model went quiet in them.
    if (w.season === 'spring') {
      const inv = workload.trace.series[QUIET_MODELS.weekendRest]['Invocations:Sum'];
      const at = (h: number) => Math.round((from + h * HOUR - workload.trace.from) / MINUTE);
      expect(inv.slice(at(1), at(2)).some((v) => (v ?? 0) > 0)).toBe(true); // 04:00 UTC, Friday 23:00 in Chicago
      expect(inv.slice(at(2), at(4)).every((v) => v === null)).toBe(true); // from 05:00 UTC, Saturday
    }
  });
});
