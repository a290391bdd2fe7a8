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
 * as soon as the problem stops, however large the evidence piled up during it.
 *
 * Blips: a single minute never decides on its own. The strongest minute counts for at most as
 * much as all the other minutes together, so a one-minute burst needs a second minute of evidence
 * (fast onsets decide on their second published minute).
 */

export interface Evidence {
  /** Robust CUSUM score of the best run of minutes ending now (0 when there is none). */
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
 * Scans back from slot `end` at most `span` slots; `step(i, out)` writes slot i's [evidence, events,
 * requests] into `out`, or returns false for a slot without data (skipped, neither for nor against).
 */
function scan(end: number, span: number, step: (i: number, out: [number, number, number]) => boolean): Evidence {
  const s: [number, number, number] = [0, 0, 0];
  let score = 0;
  let minutes = 0;
  let bestEvents = 0;
  let bestRequests = 0;
  let sum = 0;
  let strongest = 0;
  let events = 0;
  let requests = 0;
  for (let i = end; i >= Math.max(0, end - span + 1); i--) {
    if (!step(i, s)) continue;
    sum += s[0];
    events += s[1];
    requests += s[2];
    strongest = Math.max(strongest, s[0]);
    const robust = Math.min(sum, 2 * (sum - strongest));
    if (robust > score) {
      score = robust;
      minutes = end - i + 1;
      bestEvents = events;
      bestRequests = requests;
    }
  }
  if (!minutes) return NONE;
  const best = { score, minutes, events: bestEvents, requests: bestRequests };
  // The confirmation: the latest minutes holding a twelfth of the run's requests (at least one minute
  // with data), so at low traffic it is not judged on a single request.
  const recent = { evidence: 0, events: 0, requests: 0 };
  for (let i = end; i > end - best.minutes && (recent.requests === 0 || recent.requests < best.requests / 12); i--) {
    if (!step(i, s)) continue;
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

/** Binomial CUSUM of events/requests per slot against a rate limit. Slots with no requests are skipped. */
export function countEvidence(events: (i: number) => number, requests: (i: number) => number, end: number, span: number, limit: number): Evidence {
  const w = binomialWeights(limit);
  return scan(end, span, (i, out) => {
    const n = requests(i);
    if (!(n > 0)) return false;
    const x = Math.min(events(i), n);
    out[0] = x * w.hit + (n - x) * w.miss;
    out[1] = x;
    out[2] = n;
    return true;
  });
}

/** Requests-weighted CUSUM of minutes past a limit: `past(i)` null for a slot without a value. */
export function minuteEvidence(past: (i: number) => boolean | null, requests: (i: number) => number, end: number, span: number): Evidence {
  return scan(end, span, (i, out) => {
    const p = past(i);
    if (p === null) return false;
    const n = Math.max(1, requests(i));
    out[0] = p ? n : -n;
    out[1] = p ? n : 0;
    out[2] = n;
    return true;
  });
}
