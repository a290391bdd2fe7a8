/**
 * Synthetic Bedrock workloads with known incidents, for tests and benchmarks: daily and weekly
 * seasonality, steady growth, Poisson noise, per-model latency levels, and injected events
 * (error bursts, throttling, outages, latency spikes, cost runaways). Deterministic per seed.
 */
import type { MetricTrace } from '../sources/trace';
import { DAY, HOUR, MINUTE } from '../core/time';

export interface ModelProfile {
  id: string;
  /** Mean requests per minute at the weekday peak. */
  peakPerMinute: number;
  /** Night traffic as a share of the peak. */
  nightShare: number;
  /** Weekend traffic as a share of weekdays. */
  weekendShare: number;
  /** Growth per day (0.02 = 2 %). */
  growthPerDay: number;
  /** Typical p95 latency, ms. */
  p95: number;
  inputTokens: number;
  /** 0 for an embedding model: it publishes no OutputTokenCount at all. */
  outputTokens: number;
  /** Heavy-tailed minute-to-minute traffic: each minute's mean times a log-normal factor of this sigma. */
  heavyTail?: number;
  /** A nightly batch job: from `hour` (UTC) for `minutes`, traffic times `multiplier`. */
  batch?: { hour: number; minutes: number; multiplier: number };
  /** The daily curve and the weekend follow this IANA time zone's clock (so they move by an hour across a DST change). */
  timezone?: string;
  /** Lasting steps in volume: from `at` (ISO) on, traffic times `factor` (1.2: +20 %; 0.7: −30 %). */
  steps?: { at: string; factor: number }[];
}

export type InjectedKind = 'server_errors' | 'throttle_storm' | 'client_errors' | 'outage' | 'latency_spike' | 'cost_runaway' | 'token_drift' | 'blip';

export interface Injected {
  kind: InjectedKind;
  modelId: string;
  start: string;
  minutes: number;
  severity: 'critical' | 'warning' | 'none';
  /** Strength: error rate, latency or token multiplier. */
  magnitude: number;
}

export interface GeneratedWorkload {
  trace: MetricTrace;
  incidents: Injected[];
}

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(mean: number, r: () => number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l);
  return k - 1;
}

const gaussian = (r: () => number) => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());

/** The zone's offset from UTC (ms) at the hour of `t`, cached per zone and hour (every zone changes offset on the hour). */
const offsets = new Map<string, number>();
function offsetAt(t: number, tz: string): number {
  const hour = Math.floor(t / HOUR) * HOUR;
  const key = `${tz}|${hour}`;
  let o = offsets.get(key);
  if (o === undefined) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(new Date(hour));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    o = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - hour;
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(key, o);
  }
  return o;
}

/** `t` as the wall clock of `tz` reads it (UTC when not given), as a UTC-based instant: its UTC fields are the local ones. */
const wallClock = (t: number, tz: string | undefined): number => (tz ? t + offsetAt(t, tz) : t);

/** Minutes past local midnight of `t` in `tz` (UTC when not given). */
const localMinuteOfDay = (t: number, tz: string | undefined): number => ((wallClock(t, tz) % DAY) + DAY) % DAY / MINUTE;

/** Business-hours curve: night share at 03:00, 1 at 15:00 (local). */
function daily(minuteOfDay: number, nightShare: number): number {
  const x = (minuteOfDay / 1440) * 2 * Math.PI;
  const shape = (1 - Math.cos(x - (2 * Math.PI * 3) / 24)) / 2; // 0 at 03:00, 1 at 15:00
  return nightShare + (1 - nightShare) * shape;
}

export function generateWorkload(opts: { start: string; days: number; models: ModelProfile[]; incidents: Injected[]; seed?: number }): GeneratedWorkload {
  const r = rng(opts.seed ?? 7);
  const from = Date.parse(opts.start);
  const length = (opts.days * DAY) / MINUTE;
  const series: MetricTrace['series'] = {};
  for (const m of opts.models) {
    const k = (name: string) => new Array<number | null>(length).fill(null);
    const s: Record<string, (number | null)[]> = {
      'Invocations:Sum': k('inv'),
      'InvocationThrottles:Sum': k('thr'),
      'InvocationServerErrors:Sum': k('se'),
      'InvocationClientErrors:Sum': k('ce'),
      'InvocationLatency:p95': k('p95'),
      'InvocationLatency:Average': k('avg'),
      'TimeToFirstToken:Average': k('ttft'),
      'InputTokenCount:Sum': k('in'),
      'OutputTokenCount:Sum': k('out'),
    };
    const active = (kind: InjectedKind, t: number) =>
      opts.incidents.find((i) => i.modelId === m.id && i.kind === kind && t >= Date.parse(i.start) && t < Date.parse(i.start) + i.minutes * MINUTE);
    for (let i = 0; i < length; i++) {
      const t = from + i * MINUTE;
      const day = new Date(wallClock(t, m.timezone)).getUTCDay();
      const weekend = day === 0 || day === 6;
      const step = (m.steps ?? []).reduce((f, st) => (t >= Date.parse(st.at) ? f * st.factor : f), 1);
      const ofDay = (t % DAY) / MINUTE;
      const inBatch = m.batch && ofDay >= m.batch.hour * 60 && ofDay < m.batch.hour * 60 + m.batch.minutes;
      const tail = m.heavyTail ? Math.exp(m.heavyTail * gaussian(r) - (m.heavyTail * m.heavyTail) / 2) : 1;
      const mean =
        m.peakPerMinute * daily(localMinuteOfDay(t, m.timezone), m.nightShare) * (weekend ? m.weekendShare : 1) * (1 + m.growthPerDay) ** ((t - from) / DAY) * (inBatch ? m.batch!.multiplier : 1) * step * tail;
      if (active('outage', t)) continue;
      const requests = poisson(mean, r);
      const throttle = active('throttle_storm', t);
      const throttles = throttle ? poisson(requests * throttle.magnitude / (1 - throttle.magnitude), r) : r() < 0.002 * requests ? 1 : 0;
      if (requests === 0 && throttles === 0) continue; // Bedrock publishes nothing for an idle minute
      const se = active('server_errors', t) ?? active('blip', t);
      const ce = active('client_errors', t);
      const binom = (n: number, p: number) => Array.from({ length: n }, () => (r() < p ? 1 : 0) as number).reduce((a, b) => a + b, 0);
      const lat = active('latency_spike', t);
      // A cost runaway multiplies whole requests' worth of tokens (a retry loop, a runaway caller); a token drift only the answers.
      const runaway = active('cost_runaway', t);
      const drift = active('token_drift', t);
      const p95 = m.p95 * (lat ? lat.magnitude : 1) * (1 + 0.12 * gaussian(r) / Math.sqrt(Math.max(1, requests / 5)));
      s['Invocations:Sum'][i] = requests;
      s['InvocationThrottles:Sum'][i] = throttles;
      s['InvocationServerErrors:Sum'][i] = binom(requests, se ? se.magnitude : 0.001);
      s['InvocationClientErrors:Sum'][i] = binom(requests, ce ? ce.magnitude : 0.004);
      if (requests > 0) {
        s['InvocationLatency:p95'][i] = Math.round(Math.max(50, p95));
        s['InvocationLatency:Average'][i] = Math.round(Math.max(30, p95 * 0.55));
        s['TimeToFirstToken:Average'][i] = Math.round(Math.max(20, p95 * 0.09));
        s['InputTokenCount:Sum'][i] = Math.round(requests * m.inputTokens * (runaway ? runaway.magnitude : 1) * (0.8 + 0.4 * r()));
        if (m.outputTokens > 0) s['OutputTokenCount:Sum'][i] = Math.round(requests * m.outputTokens * (runaway ? runaway.magnitude : 1) * (drift ? drift.magnitude : 1) * (0.8 + 0.4 * r()));
      }
    }
    series[m.id] = s;
  }
  return { trace: { from, to: from + length * MINUTE, namespace: 'AWS/Bedrock', series, skipped: 0 }, incidents: opts.incidents };
}

/** The workload the long tests and the benchmark use: three weeks, a tiny model, a busy one and a slow long-output one. */
export function threeWeekWorkload(): GeneratedWorkload {
  const day = (d: number, h: number, m = 0) => new Date(Date.parse('2026-11-02T00:00:00Z') + d * DAY + h * HOUR + m * MINUTE).toISOString();
  return generateWorkload({
    start: '2026-11-02T00:00:00Z', // a Monday
    days: 21,
    seed: 42,
    models: [
      { id: 'amazon.nova-micro-v1:0', peakPerMinute: 1.5, nightShare: 0.2, weekendShare: 0.3, growthPerDay: 0, p95: 900, inputTokens: 600, outputTokens: 200 },
      { id: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', peakPerMinute: 240, nightShare: 0.25, weekendShare: 0.5, growthPerDay: 0.03, p95: 2200, inputTokens: 1500, outputTokens: 400 },
      { id: 'anthropic.claude-sonnet-4-20250514-v1:0', peakPerMinute: 12, nightShare: 0.3, weekendShare: 0.6, growthPerDay: 0.01, p95: 9500, inputTokens: 3000, outputTokens: 1800 },
    ],
    incidents: [
      { kind: 'throttle_storm', modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', start: day(15, 14), minutes: 20, severity: 'critical', magnitude: 0.25 },
      { kind: 'server_errors', modelId: 'anthropic.claude-sonnet-4-20250514-v1:0', start: day(16, 11), minutes: 40, severity: 'critical', magnitude: 0.15 },
      { kind: 'outage', modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', start: day(17, 10), minutes: 25, severity: 'critical', magnitude: 0 },
      { kind: 'latency_spike', modelId: 'anthropic.claude-sonnet-4-20250514-v1:0', start: day(18, 15), minutes: 40, severity: 'critical', magnitude: 3 },
      { kind: 'cost_runaway', modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', start: day(19, 5), minutes: 720, severity: 'critical', magnitude: 3 },
      { kind: 'client_errors', modelId: 'amazon.nova-micro-v1:0', start: day(20, 9), minutes: 180, severity: 'warning', magnitude: 0.3 },
      { kind: 'blip', modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', start: day(16, 16), minutes: 1, severity: 'none', magnitude: 0.3 },
    ],
  });
}
