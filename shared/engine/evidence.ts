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

/** No run of evidence (what a scan finds when no minute adds any), for a caller that knows it without scanning. */
export const NO_EVIDENCE: Evidence = Object.freeze({ ...NONE, recent: Object.freeze({ ...NONE.recent }) });

/**
 * Minimum published minutes a tier's evidence must come from (see the header), unless the tier
 * sets `evidence_minutes`: a page (critical) needs three, so one- and two-minute blips never page;
 * a warning or info needs two.
 */
export const EVIDENCE_MINUTES: Record<'info' | 'warning' | 'critical', number> = { info: 2, warning: 2, critical: 3 };

/**
 * Per-slot contributions of a window, oldest first (slot `lo` at 0): what `scan` reads, worked out
 * once per observation instead of once per tier and alternative. Reused buffers: the engine is
 * synchronous, and every caller reads its result before the next fill.
 */
export interface Slots {
  evidence: Float64Array;
  events: Float64Array;
  requests: Float64Array;
  /** 1: the slot has data; 0: skipped (neither for nor against). */
  has: Uint8Array;
}

const pool: Slots[] = [];
let poolNext = 0;
/** A scratch set of slot arrays of at least `n` slots (a few alive at once: see `releaseSlots`). */
function fill(n: number): Slots {
  let s = pool[poolNext];
  if (!s || s.has.length < n) {
    const size = Math.max(n, EVIDENCE_SPAN);
    s = { evidence: new Float64Array(size), events: new Float64Array(size), requests: new Float64Array(size), has: new Uint8Array(size) };
    pool[poolNext] = s;
  }
  poolNext = (poolNext + 1) % 4;
  return s;
}

/** The k strongest positive contributions of a run (scratch, reused by every scan). */
const strongest: number[] = [];

/**
 * Scans back from slot `end` to slot `lo` (index j = i − lo in `slots`); a slot without data is
 * skipped (neither for nor against). A run's score is its sum, but at most `minutes` times what is
 * left without its `minutes − 1` strongest slots.
 */
function scanSlots(slots: Slots, lo: number, end: number, minutes: number, recentRequests: number): Evidence {
  const k = Math.max(0, Math.round(minutes) - 1);
  const { evidence: ev, events: evs, requests: req, has } = slots;
  let bestScore = 0;
  let bestMinutes = 0;
  let bestEvents = 0;
  let bestRequests = 0;
  let sum = 0;
  let events = 0;
  let requests = 0;
  strongest.length = 0;
  let top = 0;
  for (let i = end; i >= lo; i--) {
    const j = i - lo;
    if (!has[j]) continue;
    const e = ev[j];
    sum += e;
    events += evs[j];
    requests += req[j];
    if (k > 0 && e > 0 && (strongest.length < k || e > strongest[k - 1])) {
      if (strongest.length === k) top -= strongest.pop() as number;
      let at = strongest.length;
      while (at > 0 && strongest[at - 1] < e) at--;
      strongest.splice(at, 0, e);
      top += e;
    }
    const score = k > 0 ? Math.min(sum, (k + 1) * (sum - top)) : sum;
    if (score > bestScore) {
      bestScore = score;
      bestMinutes = end - i + 1;
      bestEvents = events;
      bestRequests = requests;
    }
  }
  if (!bestMinutes) return NONE;
  // The confirmation: the latest minutes holding a twelfth of the run's requests and at least
  // `recentRequests` (at least one minute with data), so at low traffic it is not judged on a single
  // request, nor on a minute too small to hold the events it is asked for.
  const recent = { evidence: 0, events: 0, requests: 0 };
  const enough = Math.max(bestRequests / 12, recentRequests);
  for (let i = end; i > end - bestMinutes && (recent.requests === 0 || recent.requests < enough); i--) {
    const j = i - lo;
    if (!has[j]) continue;
    recent.evidence += ev[j];
    recent.events += evs[j];
    recent.requests += req[j];
  }
  return { score: bestScore, minutes: bestMinutes, events: bestEvents, requests: bestRequests, recent };
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
  const lo = Math.max(0, end - span + 1);
  const x = new Float64Array(Math.max(0, end - lo + 1));
  const n = new Float64Array(x.length);
  for (let i = lo; i <= end; i++) {
    n[i - lo] = requests(i);
    x[i - lo] = n[i - lo] > 0 ? events(i) : 0;
  }
  return countEvidenceOf(x, n, lo, end, limit, minutes);
}

/**
 * countEvidence over per-slot events and requests already summed for slots [lo, end] (index
 * i − lo): the ratio rule works them out once per observation, not once per tier.
 */
export function countEvidenceOf(events: ArrayLike<number>, requests: ArrayLike<number>, lo: number, end: number, limit: number, minutes = 2): Evidence {
  const w = binomialWeights(limit);
  const slots = fill(end - lo + 1);
  for (let j = 0; j <= end - lo; j++) {
    const n = requests[j];
    if (!(n > 0)) {
      slots.has[j] = 0;
      continue;
    }
    const x = Math.min(events[j], n);
    slots.has[j] = 1;
    slots.evidence[j] = x * w.hit + (n - x) * w.miss;
    slots.events[j] = x;
    slots.requests[j] = n;
  }
  // The confirmation asks for CONFIRM_EVENTS events above the limit: it spans the requests in which
  // that many are expected at the limit, or a quiet model could only confirm far above it.
  return scanSlots(slots, lo, end, minutes, CONFIRM_EVENTS / Math.max(limit, 1e-6));
}

/** Events the latest minutes of a count run must hold: a single event never confirms (a stray error after an incident must not reopen it). */
export const CONFIRM_EVENTS = 2;

/**
 * The null model of a per-minute statistic (a p95 latency): how often the model's own normal
 * minutes are past a limit. CloudWatch gives one p95 per minute, not each request, so the unit of
 * evidence is the minute. Normal minutes are taken as log-Laplace around `center` (the learned
 * baseline: the median of the hour's minute p95s) with the spread the model shows (`scale`, the
 * e-folding of log deviations on that side): an exponential tail in log space, a power-law tail in
 * latency — heavy, as a quiet long-output model's minute p95s are (at 6 requests a minute a p95 is
 * nearly the slowest request). The chance is floored at LATENCY_NULL_FLOOR, so no limit is ever
 * taken as impossible to cross normally, and kept below the alternative (half of the minutes past
 * the limit, what "the median minute is past it" means).
 */
export const LATENCY_NULL_FLOOR = 0.001;
/** Alternative: the median minute is past the limit. */
export const LATENCY_ALT = 0.5;

export function exceedanceNull(center: number, scale: number, limit: number, side: 'above' | 'below'): number {
  if (!(center > 0) || !(limit > 0) || !(scale > 0)) return LATENCY_ALT * NULL_SHARE;
  const distance = side === 'above' ? Math.log(limit / center) : Math.log(center / limit);
  const p = distance <= 0 ? LATENCY_ALT : LATENCY_ALT * Math.exp(-distance / scale);
  return Math.min(LATENCY_ALT * 0.9, Math.max(LATENCY_NULL_FLOOR, p));
}

/** Smallest spread assumed (log units): a model whose minutes never vary still varies a little. */
export const MIN_LOG_SCALE = 0.05;
/** Spread assumed with fewer than this many minutes to measure it on: wide (a quiet model's tail is unknown, so evidence must come from many minutes). */
export const SPREAD_MINUTES = 10;
export const DEFAULT_LOG_SCALE = 0.5;

/**
 * The e-folding scale of log deviations above (or below) the median of `values` (robust: the
 * distance from the median to the quartile on that side, over ln 2, as for a Laplace law), so the
 * first minutes of an onset barely move it.
 */
export function logScale(values: number[], side: 'above' | 'below'): number {
  return logScaleOfSorted(sortedLogs(values), side);
}

/** The logs of the positive values, ascending (what logScale reads; worked out once for both sides). */
export function sortedLogs(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > 0) n++;
  const logs = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > 0) logs[n++] = Math.log(values[i]);
  return logs.sort();
}

/** logScale of logs already sorted ascending. */
export function logScaleOfSorted(logs: ArrayLike<number>, side: 'above' | 'below'): number {
  if (logs.length < SPREAD_MINUTES) return DEFAULT_LOG_SCALE;
  // The quartile on that side against the median: scale × ln 2 for a Laplace law.
  const quartile = logs[side === 'above' ? Math.floor((logs.length * 3) / 4) : Math.floor(logs.length / 4)];
  const mid = logs[logs.length >> 1];
  return Math.max(MIN_LOG_SCALE, Math.abs(quartile - mid) / Math.LN2);
}

/** Alternatives the latency evidence weighs at once: the median minute at the limit, at twice and at four times it (a union: the bar rises by ln 3). */
export const LATENCY_ALTERNATIVES = [1, 2, 4];

/**
 * CUSUM of per-minute values (a p95) against the model's normal, log-Laplace around `center` with
 * `scale`: for each alternative "the median minute sits at limit × a" it adds the log-likelihood
 * ratio of the Laplace shift, (|x − ln center| − |x − ln(limit × a)|) / scale for x = ln value,
 * so a minute far past the limit is stronger evidence than one just past it, and a minute within it
 * takes evidence away; each minute counts for at most ln(ALT / LATENCY_NULL_FLOOR) either way (no
 * single value is taken as impossible). The strongest of the alternatives is returned with the
 * extra bar their union costs (ln of their number). `value(i)` null for a slot without a value;
 * events count minutes past the limit, requests count minutes.
 */
export function exceedanceEvidence(
  value: (i: number) => number | null,
  past: (i: number) => boolean | null,
  o: { center: number; scale: number; limit: number; side: 'above' | 'below' },
  end: number,
  span: number,
  minutes = 2,
): Evidence & { extraBar: number } {
  const lo = Math.max(0, end - span + 1);
  const logs = new Float64Array(Math.max(0, end - lo + 1));
  const pasts = new Int8Array(logs.length);
  for (let i = lo; i <= end; i++) {
    const v = value(i);
    const p = past(i);
    logs[i - lo] = v === null || !(v > 0) ? NaN : Math.log(v);
    pasts[i - lo] = p === null ? -1 : p ? 1 : 0;
  }
  return exceedanceEvidenceOf(logs, pasts, o, lo, end, minutes);
}

/**
 * exceedanceEvidence over slots [lo, end] (index i − lo) given as the log of each value (NaN: no
 * value, or not positive) and whether it is past the limit (1, 0; −1: unknown, skipped): the
 * threshold rule takes the logs once per observation, not once per tier and alternative.
 */
export function exceedanceEvidenceOf(
  logs: ArrayLike<number>,
  past: ArrayLike<number>,
  o: { center: number; scale: number; limit: number; side: 'above' | 'below' },
  lo: number,
  end: number,
  minutes = 2,
): Evidence & { extraBar: number } {
  const cap = Math.log(LATENCY_ALT / LATENCY_NULL_FLOOR);
  const sign = o.side === 'above' ? 1 : -1;
  const x0 = sign * Math.log(o.center);
  let best: Evidence = NONE;
  for (const a of LATENCY_ALTERNATIVES) {
    const x1 = sign * Math.log(o.limit) + Math.log(a);
    if (!(x1 > x0)) continue;
    const slots = fill(end - lo + 1);
    for (let j = 0; j <= end - lo; j++) {
      const lv = logs[j];
      const p = past[j];
      if (p < 0 || lv !== lv) {
        slots.has[j] = 0;
        continue;
      }
      const x = sign * lv;
      slots.has[j] = 1;
      slots.evidence[j] = Math.max(-cap, Math.min(cap, (Math.abs(x - x0) - Math.abs(x - x1)) / o.scale));
      slots.events[j] = p;
      slots.requests[j] = 1;
    }
    const ev = scanSlots(slots, lo, end, minutes, 0);
    if (ev.score > best.score) best = ev;
  }
  return { ...best, extraBar: Math.log(LATENCY_ALTERNATIVES.length) };
}
