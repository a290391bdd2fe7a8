/**
 * The sequential decision rule (shared/engine/evidence.ts) through the real ratio and threshold kinds
 * and the state machine: strong evidence warns on the second published minute and pages on the
 * third, blips of one and two minutes never page, a low-traffic incident does, and a persistent rate
 * above the critical limit reaches critical as its evidence accumulates, even at night.
 */
import { EVIDENCE_MINUTES, countEvidence } from '../../shared/engine/evidence';
import { rng } from '../../shared/local/generate';
import type { Series } from '../../shared/core/series';
import { configOf, errorTraffic, evaluateMinutes, frameOf, latencyRule, runs, serverErrorRule, timeline } from '../support/frame';

const MODEL = 'amazon.nova-pro-v1:0';
/** The shipped server-error rule's shape: 1% warning, 5% critical, sequential evidence, no `for`. */
const shipped = (over: Record<string, unknown> = {}) =>
  serverErrorRule({ window: '5m', keep_firing_for: '10m', evidence: 'sequential', tiers: { warning: { above: '1%' }, critical: { above: '5%' } }, ...over });

/** Slots of the state machine's transitions for the given traffic (one evaluate() per minute, decided 3 min after it starts). */
function fire(requests: Series, errors: Series, rule = shipped()): string[] {
  const frame = frameOf({ [MODEL]: errorTraffic(requests, errors) });
  return timeline(evaluateMinutes(configOf([rule]), frame).transitions);
}

const NORMAL = 60; // an hour of clean traffic before anything happens

describe('sequential evidence on counts', () => {
  it('a one-minute burst of 30% errors on a busy model never pages', () => {
    expect(fire(runs([100, NORMAL + 20]), runs([0, NORMAL], [30, 1], [0, 19]))).toEqual([]);
  });

  it('a throttle-storm-like onset (25% of 50 requests a minute) warns on its second published minute and pages on its third', () => {
    const t = fire(runs([50, NORMAL + 20]), runs([0, NORMAL], [12, 20]));
    expect(t.slice(0, 2)).toEqual([`firing warning ${MODEL} @${NORMAL + 1}`, `escalated critical ${MODEL} @${NORMAL + 2}`]);
  });

  describe('blips of one and two minutes never page, whatever the traffic', () => {
    it.each([
      [1, 100, 30],
      [2, 100, 30],
      [2, 30, 15],
      [2, 1000, 50],
    ])('%i-minute blip at %i requests a minute, %i%% errors', (minutes, requests, pct) => {
      const errors = runs([0, NORMAL], [Math.round((requests * pct) / 100), minutes], [0, 30]);
      const t = fire(runs([requests, NORMAL + minutes + 30]), errors);
      expect(t.filter((l) => l.includes('critical'))).toEqual([]);
      // A one-minute blip does not even warn.
      if (minutes === 1) expect(t).toEqual([]);
    });

    it('nor does a two-minute blip followed by a stray error or two', () => {
      const errors = runs([0, NORMAL], [30, 2], [1, 1], [0, 2], [2, 1], [0, 30]);
      expect(fire(runs([100, NORMAL + 36]), errors).filter((l) => l.includes('critical'))).toEqual([]);
    });
  });

  it('a fast onset pages within three published minutes at any traffic where its minutes are each strong', () => {
    for (const requests of [60, 200, 2000]) {
      const t = fire(runs([requests, NORMAL + 20]), runs([0, NORMAL], [requests / 4, 20]));
      expect(t.find((l) => l.includes('critical'))).toMatch(new RegExp(`critical ${MODEL.replace(/[.:]/g, '\\$&')} @${NORMAL + 2}$`));
    }
  });

  it('`evidence_minutes` sets the trade-off per tier: at 2 a page comes a minute sooner, and a two-minute blip pages', () => {
    const faster = shipped({ tiers: { warning: { above: '1%' }, critical: { above: '5%', evidence_minutes: 2 } } });
    expect(fire(runs([50, NORMAL + 20]), runs([0, NORMAL], [12, 20]), faster)[0]).toBe(`firing critical ${MODEL} @${NORMAL + 1}`);
    expect(fire(runs([100, NORMAL + 32]), runs([0, NORMAL], [30, 2], [0, 30]), faster)[0]).toBe(`firing critical ${MODEL} @${NORMAL + 1}`);
  });

  it('a quiet model is confirmed on the requests that can show the limit: 17% errors at 6 requests a minute page 10 data minutes after onset (median of 20 seeds, on the once-a-year page budget)', () => {
    // About one error in six requests a minute: a confirmation judged on the last minute alone would
    // wait for a minute with two errors (33% of it), which took a median of 10 minutes.
    const delays: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const errors = runs([0, NORMAL]).concat(Array.from({ length: 30 }, () => Array.from({ length: 6 }, () => (r() < 0.17 ? 1 : 0) as number).reduce((a, b) => a + b, 0)), runs([0, 30]));
      const t = fire(runs([6, NORMAL + 60]), errors);
      expect(t.every((l) => Number(l.split('@')[1]) >= NORMAL)).toBe(true);
      const critical = t.find((l) => /^(firing|escalated) critical/.test(l));
      delays.push(critical ? Number(critical.split('@')[1]) - NORMAL : Infinity);
    }
    expect(delays.sort((a, b) => a - b)[9]).toBeLessThanOrEqual(10);
  });

  it('resets within minutes of the problem stopping, however much evidence piled up', () => {
    const t = fire(runs([50, NORMAL + 60]), runs([0, NORMAL], [12, 30], [0, 30]));
    // Breach stops at the first clean minute; the hold (5-minute rate above 4.5%) clears at the 5th; keep_firing_for is 10.
    expect(t).toEqual([`firing warning ${MODEL} @${NORMAL + 1}`, `escalated critical ${MODEL} @${NORMAL + 2}`, `resolved critical ${MODEL} @${NORMAL + 30 + 4 + 10}`]);
  });

  it('a low-traffic incident pages: 30% errors at 2 requests a minute reach critical within 20 minutes', () => {
    // 1, 1, 0 errors of 2 requests, repeated: a third of the requests fail.
    const t = fire(runs([2, NORMAL + 40]), runs([0, NORMAL]).concat(Array.from({ length: 40 }, (_, i) => [1, 1, 0][i % 3])));
    const critical = t.find((l) => l.includes('critical'));
    expect(critical).toBeDefined();
    expect(Number(critical?.split('@')[1]) - NORMAL).toBeLessThanOrEqual(20);
  });

  it('a handful of requests cannot page: 3 errors in 3 requests stay quiet', () => {
    expect(fire(runs([1, NORMAL + 3], [0, 30]), runs([0, NORMAL], [1, 3], [0, 30]))).toEqual([]);
  });

  describe('7% server errors for 20 minutes at ~20 requests a minute (night) reach critical', () => {
    it('with exactly 7 errors in every 100 requests', () => {
      const errors = runs([0, NORMAL]).concat(Array.from({ length: 20 }, (_, i) => [1, 1, 2, 1, 2][i % 5]), runs([0, 30]));
      const t = fire(runs([20, NORMAL + 50]), errors);
      expect(t.some((l) => l.startsWith('firing critical') || l.startsWith('escalated critical'))).toBe(true);
    });

    it('with binomial noise: at critical on at least 16 of 20 seeds, and never on the clean hour before', () => {
      let critical = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const r = rng(seed);
        const errors = runs([0, NORMAL]).concat(Array.from({ length: 20 }, () => Array.from({ length: 20 }, () => (r() < 0.07 ? 1 : 0) as number).reduce((a, b) => a + b, 0)), runs([0, 30]));
        const t = fire(runs([20, NORMAL + 50]), errors);
        expect(t.every((l) => Number(l.split('@')[1]) >= NORMAL)).toBe(true);
        if (t.some((l) => /^(firing|escalated) critical/.test(l))) critical++;
      }
      expect(critical).toBeGreaterThanOrEqual(16);
    });
  });

  it('a normal workload at a fifth of the limit stays quiet for six hours', () => {
    const r = rng(99);
    const minutes = 6 * 60;
    const requests = runs([40, minutes]);
    const errors = Array.from({ length: minutes }, () => Array.from({ length: 40 }, () => (r() < 0.01 ? 1 : 0) as number).reduce((a, b) => a + b, 0));
    // 1% errors against a 5% critical (and warning at 1%: the warning may fire, the critical must not).
    expect(fire(requests, errors).filter((l) => l.includes('critical'))).toEqual([]);
  });

  it('`for` is still honoured on top of the evidence', () => {
    const t = fire(runs([50, NORMAL + 20]), runs([0, NORMAL], [12, 20]), shipped({ tiers: { critical: { above: '5%', for: '5m' } } }));
    expect(t[0]).toBe(`firing critical ${MODEL} @${NORMAL + 2 + 5}`);
  });

  it('the window mode keeps the Wilson-bound rule: a one-minute window decides on the first minute (and pages on blips)', () => {
    const t = fire(runs([50, NORMAL + 20]), runs([0, NORMAL], [12, 20]), shipped({ evidence: 'window', window: '1m', tiers: { critical: { above: '5%' } } }));
    expect(t[0]).toBe(`firing critical ${MODEL} @${NORMAL}`);
  });

  it('the N−1 strongest minutes count for at most N−1 times the others: N minutes at the earliest (2 to warn, 3 to page)', () => {
    const bar = Math.log(10_000);
    const ev = (errors: number[], tier: keyof typeof EVIDENCE_MINUTES) => countEvidence((i) => errors[i], () => 100, errors.length - 1, 60, 0.05, EVIDENCE_MINUTES[tier]);
    expect(ev([0, 30], 'warning').score).toBe(0);
    expect(ev([0, 30, 30], 'warning').score).toBeGreaterThan(bar);
    expect(ev([0, 30, 30], 'critical').score).toBe(0);
    expect(ev([0, 30, 30, 30], 'critical').score).toBeGreaterThan(bar);
    // A clean minute after a two-minute blip only takes evidence away.
    expect(ev([0, 30, 30, 0], 'critical').score).toBe(0);
    expect(ev([0, 30, 30, 30], 'critical')).toMatchObject({ minutes: 3, events: 90, requests: 300 });
    // Two strong minutes and a weak third: the third decides how much the first two may count.
    const weakThird = ev([0, 30, 30, 6], 'critical');
    expect(weakThird.score).toBeGreaterThan(0);
    expect(weakThird.score).toBeLessThan(ev([0, 30, 30, 30], 'critical').score);
  });
});

describe('sequential evidence on a per-minute p95', () => {
  const latency = (p95: Series, requests: Series) => frameOf({ [MODEL]: { 'Invocations:Sum': requests, 'InvocationLatency:p95': p95 } });
  const rule = latencyRule({ evidence: 'sequential', keep_firing_for: '5m', tiers: { critical: { above: '10s' } } });
  const fireLatency = (p95: Series, requests: Series) => timeline(evaluateMinutes(configOf([rule]), latency(p95, requests)).transitions);

  it('one slow minute never fires', () => {
    expect(fireLatency(runs([4000, 30], [20_000, 1], [4000, 20]), runs([12, 51]))).toEqual([]);
  });

  it('two slow minutes never page; three with enough requests page on the third', () => {
    expect(fireLatency(runs([4000, 30], [20_000, 2], [4000, 20]), runs([12, 52]))).toEqual([]);
    expect(fireLatency(runs([4000, 30], [20_000, 10]), runs([12, 40]))[0]).toBe(`firing critical ${MODEL} @32`);
  });

  it('the bar is not a count of slow requests: at 3 requests a minute a 5× slowdown of a steady model pages on its third minute too', () => {
    expect(fireLatency(runs([4000, 30], [20_000, 10]), runs([3, 40]))[0]).toBe(`firing critical ${MODEL} @32`);
  });
});
