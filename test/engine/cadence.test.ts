import { accountHas, fillZeros, groupRules, inMotion, planFetch } from '../../shared/engine/cadence';
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
  it('waits only rules whose every tier holds at least detail_every minus the schedule; spend rules always wait', () => {
    const g = groupRules(config.rules, 5 * MINUTE, MINUTE);
    expect(names(g.slow)).toEqual(['errors', 'slow', 'spend']);
    expect(names(g.fast)).toEqual(['fast-errors', 'silent', 'both']);
  });

  it('a composite with a condition that cannot wait is judged every tick', () => {
    expect(names(groupRules(config.rules, 5 * MINUTE, MINUTE).fast)).toContain('both');
  });

  it('with detail_every at the schedule every rule is judged every tick', () => {
    expect(groupRules(config.rules, MINUTE, MINUTE).slow).toEqual([]);
  });

  it('a longer detail_every keeps fewer rules waiting', () => {
    expect(names(groupRules(config.rules, 6 * MINUTE, MINUTE).slow)).toEqual(['errors', 'slow', 'spend']);
    expect(names(groupRules(config.rules, 7 * MINUTE, MINUTE).slow)).toEqual(['slow', 'spend']);
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

  it('splits the series: request counts always, error counts of slow rules behind the account-wide read, the rest when slow rules are read', () => {
    const p = planFetch({ ...base, lastMinute: null, slowMinute: null });
    expect(p.always).toEqual(['InvocationClientErrors:Sum', 'InvocationLatency:p95', 'Invocations:Sum']);
    expect(p.sentinel).toEqual(['InvocationServerErrors:Sum']);
    expect(p.slow).toEqual(['InputTokenCount:Sum', 'OutputTokenCount:Sum']);
    expect(p.slowFrom).toBe(latest); // a first tick reads everything
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
