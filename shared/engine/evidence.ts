/**
 * Sequential evidence: decide on the first published minute at which the evidence is strong
 * enough, instead of waiting a fixed `for`. Pure.
 *
 * Counts (errors of requests) use a one-sided CUSUM of the binomial log-likelihood ratio between
 * "the rate is at the tier's limit" (p1 = L) and "the rate is at most a quarter of it" (p0 = L/4):
 * each minute adds x·ln(p1/p0) + (n−x)·ln((1−p1)/(1−p0)), and the score is the best sum over the
 * minutes ending now (the CUSUM, so evidence accumulates over an incident however low the traffic,
 * and resets within minutes of it ending). A tier decides when the score reaches ln(odds) and the
 * rate over those minutes is above the limit itself (so "critical above 5%" still means above 5%).
 *
 * Per-minute statistics without counts (a p95) use the same scan with each minute weighted by its
 * requests: +n for a minute past the limit, −n for one within it.
 *
 * Reset: like the short window of multi-window burn-rate alerts, the last twelfth of that run
 * (its latest minutes holding a twelfth of its requests) must itself be past the limit, so a tier stops breaching
 * as soon as the problem stops, however large the evidence piled up during it. For counts it must
 * hold at least two events, so it spans at least the requests in which two are expected at the
 * limit (2/L): on a quiet model a single minute of six requests could only confirm 5% by showing
 * 33%, which delayed low-traffic incidents by many minutes.
 *
 * Blips: a minimum duration measured in evidence. The N−1 strongest minutes of a run count for at
 * most N−1 times as much as all its other minutes together (N = 2: the strongest minute counts for
 * at most as much as the rest), so a tier decides on evidence from N published minutes at the
 * earliest, however strong each one, and a blip that ends is judged by the clean minutes after it,
 * which take evidence away. N is 2 for warning and info (a one-minute blip never notifies) and 3
 * for critical, the paging tier (a blip of one or two minutes never pages). Strong onsets warn on
 * their second published minute and page on their third; slower incidents lose a minute at most.
 */

export interface Evidence {
  /** CUSUM score (its strongest minutes limited by the others) of the best run of minutes ending now (0 when there is none). */
  score: number;
  /** Length of that run, in minutes (0 when there is none). */
  minutes: number;
  /** Numerator events and requests in that run (counts), or requests past / within the limit (per-minute statistic). */
  events: number;
  requests: number;
  /** The same over the last twelfth of the run (at least one minute with data): the confirmation. */
  recent: { evidence: number; events: number; requests: number };
}

/** How far back the evidence of one episode is looked for (within the frame every rule reads, needs.ts). */
export const EVIDENCE_SPAN = 60;

const NONE: Evidence = { score: 0, minutes: 0, events: 0, requests: 0, recent: { evidence: 0, events: 0, requests: 0 } };

/**
 * Minimum published minutes a tier's evidence must come from (see the header), unless the tier
 * sets `evidence_minutes`: a page (critical) needs three, so one- and two-minute blips never page;
 * a warning or info needs two.
 */
export const EVIDENCE_MINUTES: Record<'info' | 'warning' | 'critical', number> = { info: 2, warning: 2, critical: 3 };

/**
 * Scans back from slot `end` at most `span` slots; `step(i)` gives slot i's [evidence, events,
 * requests] or null for a slot without data (skipped, neither for nor against). A run's score is
 * its sum, but at most `minutes` times what is left without its `minutes − 1` strongest slots.
 */
function scan(end: number, span: number, minutes: number, step: (i: number) => [number, number, number] | null, recentRequests = 0): Evidence {
  const k = Math.max(0, Math.round(minutes) - 1);
  let best = NONE;
  let sum = 0;
  let events = 0;
  let requests = 0;
  // The k strongest positive contributions so far, descending, and their total.
  const strongest: number[] = [];
  let top = 0;
  for (let i = end; i >= Math.max(0, end - span + 1); i--) {
    const s = step(i);
    if (!s) continue;
    sum += s[0];
    events += s[1];
    requests += s[2];
    if (k > 0 && s[0] > 0 && (strongest.length < k || s[0] > strongest[k - 1])) {
      if (strongest.length === k) top -= strongest.pop() as number;
      let at = strongest.length;
      while (at > 0 && strongest[at - 1] < s[0]) at--;
      strongest.splice(at, 0, s[0]);
      top += s[0];
    }
    const score = k > 0 ? Math.min(sum, (k + 1) * (sum - top)) : sum;
    if (score > best.score) best = { ...NONE, score, minutes: end - i + 1, events, requests };
  }
  if (!best.minutes) return best;
  // The confirmation: the latest minutes holding a twelfth of the run's requests and at least
  // `recentRequests` (at least one minute with data), so at low traffic it is not judged on a single
  // request, nor on a minute too small to hold the events it is asked for.
  const recent = { evidence: 0, events: 0, requests: 0 };
  const enough = Math.max(best.requests / 12, recentRequests);
  for (let i = end; i > end - best.minutes && (recent.requests === 0 || recent.requests < enough); i--) {
    const s = step(i);
    if (!s) continue;
    recent.evidence += s[0];
    recent.events += s[1];
    recent.requests += s[2];
  }
  return { ...best, recent };
}

/** The null rate is this fraction of the tier's limit: the "normal" a sound workload stays under. */
export const NULL_SHARE = 0.25;

/** Per-event and per-non-event log-likelihood ratios of rate `limit` against `limit × NULL_SHARE`. */
export function binomialWeights(limit: number): { hit: number; miss: number } {
  const p1 = Math.min(limit, 0.999);
  const p0 = p1 * NULL_SHARE;
  return { hit: Math.log(p1 / p0), miss: Math.log((1 - p1) / (1 - p0)) };
}

/**
 * Binomial CUSUM of events/requests per slot against a rate limit, its evidence from at least
 * `minutes` slots. Slots with no requests are skipped.
 */
export function countEvidence(events: (i: number) => number, requests: (i: number) => number, end: number, span: number, limit: number, minutes = 2): Evidence {
  const w = binomialWeights(limit);
  return scan(
    end,
    span,
    minutes,
    (i) => {
      const n = requests(i);
      if (!(n > 0)) return null;
      const x = Math.min(events(i), n);
      return [x * w.hit + (n - x) * w.miss, x, n];
    },
    // The confirmation asks for CONFIRM_EVENTS events above the limit: it spans the requests in which
    // that many are expected at the limit, or a quiet model could only confirm far above it.
    CONFIRM_EVENTS / Math.max(limit, 1e-6),
  );
}

/** Events the latest minutes of a count run must hold: a single event never confirms (a stray error after an incident must not reopen it). */
export const CONFIRM_EVENTS = 2;

/** Requests-weighted CUSUM of minutes past a limit, its evidence from at least `minutes` slots: `past(i)` null for a slot without a value. */
export function minuteEvidence(past: (i: number) => boolean | null, requests: (i: number) => number, end: number, span: number, minutes = 2): Evidence {
  return scan(end, span, minutes, (i) => {
    const p = past(i);
    if (p === null) return null;
    const n = Math.max(1, requests(i));
    return p ? [n, n, n] : [-n, 0, n];
  });
}
