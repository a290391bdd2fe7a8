import { accountHas, BUSY_FOR, completeCounts, countProbes, countReads, fillZeros, groupRules, inMotion, nextBusy, planFetch, waitsByMeasure } from '../../shared/engine/cadence';
import type { Frame } from '../../shared/core/series';
import { initialState } from '../../shared/engine/machine';
import { parseRules } from '../../shared/rules/load';
import { ACCOUNT } from '../../shared/core/series';
import { MINUTE } from '../../shared/core/time';
import { frameOf, runs, T0 } from '../support/frame';

const config = parseRules(`
rules:
  - { name: errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, tiers: { warning: { above: 5%, for: 10m }, critical: { above: 20%, for: 5m } } }
  - { name: fast-errors, kind: ratio, numerator: InvocationClientErrors, denominator: Invocations, next_check: x, tiers: { critical: { above: 50%, for: 0m } } }
  - { name: slow, kind: threshold, metric: InvocationLatency, stat: p95, window: 5m, next_check: x, tiers: { warning: { above: 5s, for: 10m } } }
  - { name: silent, kind: absent, signal: availability, next_check: x, tiers: { critical: { for: 0m } } }
  - { name: spend, kind: cost, signal: cost, next_check: x, tiers: { warning: { above: 1.3, for: 30m } } }
  - { name: both, kind: composite, all: [{ rule: slow }, { rule: fast-errors }], next_check: x, tiers: { warning: { for: 10m } } }
`);
const names = (rules: { name: string }[]) => rules.map((r) => r.name);
const state = (rule: string, patch: object) => ({ ...initialState(`fp-${rule}`, config.rules.find((r) => r.name === rule)!, 'errors', { ModelId: 'm' }), ...patch });

describe('which rules can wait for the slow read', () => {
  it('spend and token volumes wait by what they measure; counts, latency and availability never do', () => {
    const by = parseRules(`
rules:
  - { name: spend, kind: cost, signal: cost, window: 1h, next_check: x, tiers: { warning: { above: 1.5, for: 0m } } }
  - { name: out-tokens, kind: threshold, metric: OutputTokenCount, stat: Sum, window: 5m, next_check: x, tiers: { warning: { above: 1000000 } } }
  - { name: token-baseline, kind: baseline, series: tokens, window: 15m, next_check: x, tiers: { warning: { above: 3 } } }
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { critical: { above: 10% } } }
  - { name: latency, kind: threshold, metric: InvocationLatency, stat: p95, window: 5m, next_check: x, tiers: { warning: { above: 5s } } }
  - { name: silent, kind: absent, signal: availability, next_check: x, tiers: { critical: { for: 0m } } }
  - { name: requests, kind: baseline, series: Invocations, window: 15m, next_check: x, tiers: { warning: { above: 3, for: 0m } } }
`).rules;
    expect(by.filter(waitsByMeasure).map((r) => r.name)).toEqual(['spend', 'out-tokens', 'token-baseline']);
    expect(names(groupRules(by, 5 * MINUTE, MINUTE).slow)).toEqual(['spend', 'out-tokens', 'token-baseline']);
  });

  it('waits only rules whose every tier holds at least detail_every minus the schedule; spend rules always wait', () => {
    const g = groupRules(config.rules, 5 * MINUTE, MINUTE);
    expect(names(g.slow)).toEqual(['errors', 'spend']);
    expect(names(g.fast)).toEqual(['fast-errors', 'slow', 'silent', 'both']);
  });

  it('a composite with a condition that cannot wait is judged every tick, and so is every rule it reads', () => {
    // both reads slow (for 10m: could wait on its own) and fast-errors: it reads slow's observation of each
    // minute it judges, in the same pass, so slow is judged every tick with it.
    const g = groupRules(config.rules, 5 * MINUTE, MINUTE);
    expect(names(g.fast)).toEqual(expect.arrayContaining(['both', 'slow', 'fast-errors']));
    const alone = groupRules(config.rules.filter((r) => r.name !== 'both'), 5 * MINUTE, MINUTE);
    expect(names(alone.slow)).toEqual(['errors', 'slow', 'spend']);
  });

  it('with detail_every at the schedule every rule is judged every tick', () => {
    expect(groupRules(config.rules, MINUTE, MINUTE).slow).toEqual([]);
  });

  it('a longer detail_every keeps fewer rules waiting', () => {
    expect(names(groupRules(config.rules, 6 * MINUTE, MINUTE).slow)).toEqual(['errors', 'spend']);
    expect(names(groupRules(config.rules, 7 * MINUTE, MINUTE).slow)).toEqual(['spend']);
    expect(names(groupRules(config.rules, 12 * MINUTE, MINUTE).slow)).toEqual(['spend']);
  });
});

describe('the fetch plan of a tick', () => {
  const latest = T0 + 100 * MINUTE;
  const base = { rules: config.rules, states: {}, latest, oldest: latest - 59 * MINUTE, detailEvery: 5 * MINUTE, schedule: MINUTE, minute: MINUTE };

  it('reads the fast rules every tick and the slow ones once detail_every has passed, from the minute after the last read', () => {
    const quiet = planFetch({ ...base, lastMinute: latest - MINUTE, slowMinute: latest - 4 * MINUTE });
    expect(quiet.fastFrom).toBe(latest);
    expect(quiet.slowFrom).toBeNull();
    const due = planFetch({ ...base, lastMinute: latest - MINUTE, slowMinute: latest - 5 * MINUTE });
    expect(due.slowFrom).toBe(latest - 4 * MINUTE);
  });

  it('splits the series: request counts and latency always, every error count behind the account-wide read, the rest when slow rules are read', () => {
    const p = planFetch({ ...base, lastMinute: null, slowMinute: null });
    expect(p.always).toEqual(['InvocationLatency:p95', 'Invocations:Sum']);
    expect(p.fastSentinel).toEqual(['InvocationClientErrors:Sum']);
    expect(p.sentinel).toEqual(['InvocationServerErrors:Sum']);
    expect(p.slow).toEqual(['InputTokenCount:Sum', 'OutputTokenCount:Sum']);
    expect(p.slowFrom).toBe(latest); // a first tick reads everything
  });

  it('with detail_every at the schedule reads every series per model every tick (the reference design)', () => {
    const p = planFetch({ ...base, detailEvery: MINUTE, lastMinute: null, slowMinute: null });
    expect(p.fastSentinel).toEqual([]);
    expect(p.sentinel).toEqual([]);
    expect(p.always).toEqual(['InputTokenCount:Sum', 'InvocationClientErrors:Sum', 'InvocationLatency:p95', 'InvocationServerErrors:Sum', 'Invocations:Sum', 'OutputTokenCount:Sum']);
  });

  it('reads the slow rules every tick while one of their alerts is pending, escalating or clearing', () => {
    const at = { ...base, lastMinute: latest - MINUTE, slowMinute: latest - 2 * MINUTE };
    expect(planFetch({ ...at, states: { a: state('errors', { status: 'pending', runs: { warning: latest - 3 * MINUTE } }) } }).slowFrom).toBe(latest - MINUTE);
    expect(planFetch({ ...at, states: { a: state('errors', { status: 'firing', tier: 'warning', runs: { warning: 0, critical: 1 } }) } }).slowFrom).toBe(latest - MINUTE);
    expect(planFetch({ ...at, states: { a: state('errors', { status: 'firing', tier: 'warning', clearSince: latest - 2 * MINUTE }) } }).slowFrom).toBe(latest - MINUTE);
    // Steady firing, or a fast rule on the move, does not.
    expect(planFetch({ ...at, states: { a: state('errors', { status: 'firing', tier: 'critical', runs: { critical: 0 } }) } }).slowFrom).toBeNull();
    expect(planFetch({ ...at, states: { a: state('silent', { status: 'pending', runs: { critical: 0 } }) } }).slowFrom).toBeNull();
  });

  it('catches up no further back than max_catch_up', () => {
    const p = planFetch({ ...base, lastMinute: latest - 500 * MINUTE, slowMinute: latest - 500 * MINUTE });
    expect(p.fastFrom).toBe(base.oldest);
    expect(p.slowFrom).toBe(base.oldest);
  });
});

describe('state in motion', () => {
  it.each([
    ['inactive', { status: 'inactive' }, false],
    ['pending', { status: 'pending', runs: { warning: 0 } }, true],
    ['firing steadily', { status: 'firing', tier: 'critical', runs: { warning: 0, critical: 0 } }, false],
    ['firing with a higher tier running', { status: 'firing', tier: 'warning', runs: { warning: 0, critical: 5 } }, true],
    ['clearing', { status: 'firing', tier: 'warning', runs: {}, clearSince: 0 }, true],
  ])('%s → %s', (_name, patch, moving) => {
    expect(inMotion(state('errors', patch))).toBe(moving);
  });
});

describe('error counts proven zero account-wide', () => {
  it('sees any non-zero datapoint, and nothing in zeros and gaps', () => {
    const account = { ...frameOf({}), length: 3, models: { [ACCOUNT]: { 'InvocationServerErrors:Sum': [0, null, 0], 'InvocationThrottles:Sum': [0, 2, null] } } };
    expect(accountHas(account, 'InvocationServerErrors:Sum')).toBe(false);
    expect(accountHas(account, 'InvocationThrottles:Sum')).toBe(true);
    expect(accountHas(account, 'InvocationClientErrors:Sum')).toBe(false);
  });

  it('fills 0 where the model had requests and no datapoint where it had none, as Bedrock publishes', () => {
    const frame = frameOf({ a: { 'Invocations:Sum': [5, null, 7] }, b: { 'Invocations:Sum': runs([null, 3]) } });
    fillZeros(frame, 'InvocationServerErrors:Sum');
    expect(frame.models.a['InvocationServerErrors:Sum']).toEqual([0, null, 0]);
    expect(frame.models.b['InvocationServerErrors:Sum']).toEqual([null, null, null]);
  });
});

describe('error counts read per model only where the account-wide sum is not explained', () => {
  const THR = 'InvocationThrottles:Sum';
  const SE = 'InvocationServerErrors:Sum';
  // The truth over 14 minutes: what reading every series per model would give. Model c is fully
  // throttled in minute 7 (no Invocations datapoint), so only its throttle count shows it.
  const truth: Record<string, Record<string, (number | null)[]>> = {
    a: { 'Invocations:Sum': [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [THR]: [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], [SE]: new Array(14).fill(0) },
    b: { 'Invocations:Sum': [3, null, 3, 3, 3, null, 3, 3, 3, 3, 3, 3, 3, 3], [THR]: [0, null, 2, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, 0], [SE]: [0, null, 0, 0, 0, null, 0, 0, 0, 0, 0, 0, 0, 0] },
    c: { 'Invocations:Sum': new Array(14).fill(null), [THR]: [null, null, null, null, null, null, null, 4, null, null, null, null, null, null], [SE]: new Array(14).fill(null) },
  };
  /** A tick's view of minutes [from, to): the account-wide sums, and the per-model read of `keys`. */
  const view = (from: number, to: number, keys: string[], models = Object.keys(truth)): Frame => {
    const out: Frame = { ...frameOf({}, T0 + from * MINUTE), length: to - from, models: {} };
    for (const m of models) {
      const byKey = Object.fromEntries(keys.map((k) => [k, truth[m][k].slice(from, to)]));
      if (Object.values(byKey).some((s) => s.some((v) => v !== null))) out.models[m] = byKey;
    }
    return out;
  };
  const account = (from: number, to: number, patch: (s: (number | null)[]) => void = () => {}): Frame => {
    const sums = Object.fromEntries(
      [THR, SE].map((k) => [k, Array.from({ length: to - from }, (_, i) => Object.values(truth).reduce<number | null>((acc, m) => (m[k][from + i] === null ? acc : (acc ?? 0) + (m[k][from + i] as number)), null))]),
    );
    patch(sums[THR]);
    return { ...frameOf({}, T0 + from * MINUTE), length: to - from, models: { [ACCOUNT]: sums } };
  };
  const keys = [THR, SE];
  const places = ['|'];

  it('reproduces the per-model frame over three ticks, reading throttles per model only when a new minute is not zero', () => {
    // Tick 1, minutes 0-9: throttles somewhere in minutes 2 and 7, server errors nowhere.
    const acct1 = account(0, 10);
    const reads1 = countReads(keys, acct1, undefined, places);
    expect([...reads1]).toEqual([['|', [THR]]]);
    const frame1 = view(0, 10, ['Invocations:Sum']);
    for (const [m, byKey] of Object.entries(view(0, 10, [THR]).models)) Object.assign((frame1.models[m] ??= { 'Invocations:Sum': new Array(10).fill(null) }), byKey);
    const held1 = completeCounts(frame1, keys, acct1, undefined, reads1, places);
    expect(frame1).toEqual(view(0, 10, ['Invocations:Sum', THR, SE]));
    expect(Object.keys(held1[THR][ACCOUNT])).toEqual([String(T0 + 2 * MINUTE), String(T0 + 7 * MINUTE)]);

    // Tick 2, minutes 3-12: nothing new, so nothing is read per model; c comes back from what is held.
    const acct2 = account(3, 13);
    expect(countReads(keys, acct2, held1, places).size).toBe(0);
    const frame2 = view(3, 13, ['Invocations:Sum']);
    const held2 = completeCounts(frame2, keys, acct2, held1, new Map(), places);
    expect(frame2).toEqual(view(3, 13, ['Invocations:Sum', THR, SE]));
    expect(Object.keys(held2[THR][ACCOUNT])).toEqual([String(T0 + 7 * MINUTE)]);

    // Tick 3, minutes 4-13: a throttle in minute 13 is new.
    expect([...countReads(keys, account(4, 14), held2, places)]).toEqual([['|', [THR]]]);
  });

  it('reads again when an account-wide sum no longer matches what is held (a late datapoint)', () => {
    const acct1 = account(0, 10);
    const frame1 = view(0, 10, ['Invocations:Sum', THR]);
    const held = completeCounts(frame1, keys, acct1, undefined, new Map([['|', [THR]]]), places);
    expect(countReads(keys, account(0, 10), held, places).size).toBe(0);
    expect([...countReads(keys, account(0, 10, (s) => (s[7] = 5)), held, places)]).toEqual([['|', [THR]]]);
  });

  it('skips the account-wide read of a count too dense to hold for BUSY_FOR, then tries it again', () => {
    const latest = T0 + 100 * MINUTE;
    const acct = account(0, 10);
    // Throttles needed per model and nothing held of them (the budget was spent): busy. Server errors were not read.
    const busy = nextBusy({}, new Map([['|', [THR]]]), acct, {}, latest);
    expect(busy).toEqual({ [`${THR}@${ACCOUNT}`]: latest + BUSY_FOR });
    expect([...countProbes(keys, places, busy, latest + MINUTE)]).toEqual([['|', [SE]]]);
    expect([...countProbes(keys, places, busy, latest + BUSY_FOR)]).toEqual([['|', keys]]);
    // Held (sparse): not busy. Read per model without an account-wide series: nothing learned.
    expect(nextBusy({}, new Map([['|', [THR]]]), acct, { [THR]: { [ACCOUNT]: {} } }, latest)).toEqual({});
    expect(nextBusy({}, new Map([['|', [THR]]]), undefined, {}, latest)).toEqual({});
    // Expired entries are dropped.
    expect(nextBusy({ old: latest - MINUTE }, new Map(), acct, {}, latest)).toEqual({});
  });

  it('reads every count per model for a place without account-wide series', () => {
    expect([...countReads(keys, undefined, undefined, ['us-east-1|', 'us-west-2|'])]).toEqual([
      ['us-east-1|', keys],
      ['us-west-2|', keys],
    ]);
  });
});
