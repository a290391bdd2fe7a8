/** The alert state machine, driven minute by minute through evaluate() over hand-built frames. */
import { evaluate } from '../../shared/engine/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { configOf, errorTraffic, evaluateMinutes, fp, frameOf, minute, runs, serverErrorRule, timeline } from '../support/frame';

const M = 'amazon.nova-lite-v1:0';
const FP = fp('server-errors', M);

describe('firing after `for`', () => {
  // 100 requests a minute; 20% errors from slot 10 on. Window 1m: the condition holds from slot 10 exactly.
  const frame = frameOf({ [M]: errorTraffic(runs([100, 30]), [...runs([0, 10]), ...runs([20, 20])]) });
  const config = configOf([serverErrorRule({ tiers: { critical: { above: '5%', for: '5m' } } })]);
  const run = evaluateMinutes(config, frame);

  it('fires critical at the exact minute the condition has held for 5m', () => {
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @15`]);
    const [t] = run.transitions;
    expect(t.minute).toBe(minute(15));
    expect(t.at).toBe(minute(18)); // decided when the minute is published, not when it happened
    expect(t.state).toMatchObject({ status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: minute(18), endsAt: null });
  });

  it.each([10, 12, 14])('is pending (since slot 10) at slot %i, before `for` has passed', (i) => {
    expect(run.after.get(i)?.[FP]).toMatchObject({ status: 'pending', tier: null, runs: { critical: minute(10) } });
  });

  it('stores nothing while the model is healthy', () => {
    expect(run.after.get(9)).toEqual({});
  });

  it('fires on the first minute when `for` is 0m', () => {
    const now = evaluateMinutes(configOf([serverErrorRule({ tiers: { critical: { above: '5%', for: '0m' } } })]), frame);
    expect(timeline(now.transitions)).toEqual([`firing critical ${M} @10`]);
  });

  it('restarts the `for` clock when the condition breaks for one minute', () => {
    const errors = [...runs([0, 10]), 20, 20, 20, 20, 0, ...runs([20, 15])];
    const broken = evaluateMinutes(config, frameOf({ [M]: errorTraffic(runs([100, 30]), errors) }));
    expect(timeline(broken.transitions)).toEqual([`firing critical ${M} @20`]);
  });
});

describe('a one-minute blip', () => {
  it('does not fire with window 5m and for 5m, though it stays in the window for 5 minutes', () => {
    const frame = frameOf({ [M]: errorTraffic(runs([100, 30]), [...runs([0, 10]), 100, ...runs([0, 19])]) });
    const run = evaluateMinutes(configOf([serverErrorRule({ window: '5m', tiers: { critical: { above: '5%', for: '5m' } } })]), frame);
    expect(run.transitions).toEqual([]);
    expect(run.after.get(14)?.[FP]).toMatchObject({ status: 'pending' });
    expect(run.after.get(15)?.[FP]).toMatchObject({ status: 'inactive', runs: {} });
  });
});

describe('escalation', () => {
  const config = configOf([
    serverErrorRule({ tiers: { warning: { above: '1%', for: '2m' }, critical: { above: '10%', for: '2m' } }, keep_firing_for: '3m' }),
  ]);
  // 5% errors from slot 5, 30% from slot 15, healthy from slot 25.
  const frame = frameOf({ [M]: errorTraffic(runs([100, 40]), [...runs([0, 5]), ...runs([5, 10]), ...runs([30, 10]), ...runs([0, 10])]) });
  const run = evaluateMinutes(config, frame);

  it('fires warning, escalates to critical in the same episode, then resolves once', () => {
    expect(timeline(run.transitions)).toEqual([`firing warning ${M} @7`, `escalated critical ${M} @17`, `resolved critical ${M} @30`]); // clear from 25: keep_firing_for 3m, raised to the 5-minute minimum resolve hold
    const [fired, escalated, resolved] = run.transitions;
    expect(escalated.fromTier).toBe('warning');
    expect(escalated.state.startsAt).toBe(fired.state.startsAt);
    expect(resolved.state).toMatchObject({ status: 'inactive', tier: null, maxTier: 'critical', startsAt: minute(10), endsAt: minute(33) });
  });

  it('fires critical directly, without a warning first, when both tiers qualify together', () => {
    const errors = [...runs([0, 5]), ...runs([30, 10])];
    const direct = evaluateMinutes(config, frameOf({ [M]: errorTraffic(runs([100, 15]), errors) }));
    expect(timeline(direct.transitions)).toEqual([`firing critical ${M} @7`]);
  });

  it('steps down to warning without a transition while the rate stays above the warning tier', () => {
    const errors = [...runs([0, 5]), ...runs([30, 5]), ...runs([5, 15])];
    const down = evaluateMinutes(config, frameOf({ [M]: errorTraffic(runs([100, 25]), errors) }));
    expect(timeline(down.transitions)).toEqual([`firing critical ${M} @7`]);
    // Clear of critical from slot 10; after keep_firing_for (3m) the episode continues at warning.
    expect(down.after.get(12)?.[FP]).toMatchObject({ status: 'firing', tier: 'critical', clearSince: minute(10) });
    expect(down.after.get(13)?.[FP]).toMatchObject({ status: 'firing', tier: 'warning', maxTier: 'critical', clearSince: null });
  });
});

describe('hysteresis and keep_firing_for', () => {
  const config = configOf([serverErrorRule({ hysteresis: 0.1, keep_firing_for: '3m', tiers: { critical: { above: '10%', for: '1m' } } })]);
  /** 1000 requests a minute: 20% errors at slots 3-5, then `after` per mille. */
  const scenario = (...after: [number, number][]) => frameOf({ [M]: errorTraffic(runs([1000, 30]), [...runs([0, 3]), ...runs([200, 3]), ...runs(...after)]) });

  it.each([
    // case, errors after the burst, resolved at slot
    ['9.5% (within 10% of the limit) keeps it firing; resolves 5m (the minimum resolve hold) after dropping to 5%', [[95, 6], [50, 15]] as [number, number][], 17],
    ['8.5% (past the band) starts the clock at once', [[85, 6], [50, 15]] as [number, number][], 11],
  ])('%s', (_case, after, resolvedAt) => {
    const run = evaluateMinutes(config, scenario(...after));
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @4`, `resolved critical ${M} @${resolvedAt}`]);
  });

  it('does not resolve while the condition is back above the limit, even before `for` has passed again', () => {
    // for 5m, keep_firing_for 3m: firing at slot 8; clear at slots 10-11; 20% again from slot 12 on.
    const slow = configOf([serverErrorRule({ keep_firing_for: '3m', tiers: { critical: { above: '10%', for: '5m' } } })]);
    const errors = [...runs([0, 3]), ...runs([200, 7]), ...runs([0, 2]), ...runs([200, 18])];
    const run = evaluateMinutes(slow, frameOf({ [M]: errorTraffic(runs([1000, 30]), errors) }));
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @8`]);
    expect(run.states[FP]).toMatchObject({ status: 'firing', tier: 'critical', clearSince: null });
  });

  it('holds firing with no clear clock while the rate is within the band', () => {
    const run = evaluateMinutes(config, scenario([95, 6], [50, 15]));
    for (let i = 6; i <= 11; i++) expect(run.after.get(i)?.[FP]).toMatchObject({ status: 'firing', tier: 'critical', clearSince: null });
    expect(run.after.get(14)?.[FP]).toMatchObject({ status: 'firing', clearSince: minute(12) });
  });
});

describe('missing data', () => {
  // Firing from slot 1 (for 1m), then the model goes silent at slot 10: no datapoints at all.
  const frame = frameOf({ [M]: errorTraffic([...runs([100, 10]), ...runs([null, 50])], [...runs([20, 10]), ...runs([null, 50])]) });
  // max_window 1m: the window may not widen back into the minutes before the silence.
  const rule = (over: Record<string, unknown>) => serverErrorRule({ max_window: '1m', keep_firing_for: '3m', tiers: { critical: { above: '5%', for: '1m' } }, ...over });

  it.each([
    // policy, transitions after the silence began
    ['keep', []],
    ['ok', [`resolved critical ${M} @15`]],
    ['breaching', []],
  ])('missing: %s on a firing alert', (missing, after) => {
    const run = evaluateMinutes(configOf([rule({ missing, resolve_after_missing: '2h' })]), frame, { to: 40 });
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @1`, ...after]);
  });

  it('missing: keep holds the state (and its last value) through the silence', () => {
    const run = evaluateMinutes(configOf([rule({ missing: 'keep', resolve_after_missing: '2h' })]), frame, { to: 40 });
    expect(run.states[FP]).toMatchObject({ status: 'firing', tier: 'critical', lastEvaluable: minute(9), lastMinute: minute(40), value: 0.2 });
  });

  it('missing: breaching fires on a model that has published nothing at all', () => {
    const silent = frameOf({ [M]: errorTraffic(runs([null, 10]), runs([null, 10])) });
    const run = evaluateMinutes(configOf([rule({ missing: 'breaching', tiers: { critical: { above: '5%', for: '3m' } } })]), silent);
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @3`]);
  });

  it('missing: ok never fires on a silent model', () => {
    const silent = frameOf({ [M]: errorTraffic(runs([null, 10]), runs([null, 10])) });
    expect(evaluateMinutes(configOf([rule({ missing: 'ok' })]), silent).transitions).toEqual([]);
  });

  it('resolve_after_missing resolves a firing alert whose data vanished, saying why', () => {
    const run = evaluateMinutes(configOf([rule({ missing: 'keep', resolve_after_missing: '10m' })]), frame, { to: 40 });
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @1`, `resolved critical ${M} @19`]);
    expect(run.transitions[1].state.details.resolved_because).toBe('no evaluable data for 10 min');
    expect(run.after.get(18)?.[FP]).toMatchObject({ status: 'firing' });
  });
});

describe('re-running a minute', () => {
  const config = configOf([serverErrorRule()]);
  const frame = frameOf({ [M]: errorTraffic(runs([100, 30]), [...runs([0, 10]), ...runs([20, 20])]) });

  it.each([15, 16, 12])('changes nothing when slot %i is evaluated again', (i) => {
    const first = evaluateMinutes(config, frame, { to: 16 });
    const again = evaluate({ config, frame, states: first.states, baselines: NO_BASELINES, minutes: [{ minute: minute(i), at: minute(i + 3) + 30_000 }] });
    expect(again.transitions).toEqual([]);
    expect(again.changed).toEqual([]);
    expect(again.states).toEqual(first.states);
  });

  it('decides the same whether the minutes come in one call or one per call', () => {
    const minutes = Array.from({ length: 30 }, (_, i) => ({ minute: minute(i), at: minute(i + 3) }));
    const batch = evaluate({ config, frame, states: {}, baselines: NO_BASELINES, minutes });
    const single = evaluateMinutes(config, frame);
    expect(timeline(batch.transitions)).toEqual(timeline(single.transitions));
    expect(batch.states).toEqual(single.states);
  });

  it('does not modify the states it was given', () => {
    const first = evaluateMinutes(config, frame, { to: 14 });
    const before = structuredClone(first.states);
    evaluate({ config, frame, states: first.states, baselines: NO_BASELINES, minutes: [{ minute: minute(15), at: minute(18) }] });
    expect(first.states).toEqual(before);
  });
});

describe('the words of a firing alert name the tier actually firing', () => {
  it('a warning whose value also holds critical’s relaxed limit reads "warning above", and says since when the condition held', () => {
    // 9.6% errors: above warning's 5% (fires after 2m); critical at 10% is not breached, but its
    // hysteresis hold (10% × 0.9 = 9%) is, which used to make the text say "critical above 10%".
    const frame = frameOf({ [M]: errorTraffic(runs([1000, 30]), [...runs([0, 10]), ...runs([96, 20])]) });
    const config = configOf([serverErrorRule({ tiers: { warning: { above: '5%', for: '2m' }, critical: { above: '10%', for: '2m' } } })]);
    const run = evaluateMinutes(config, frame);
    const [t] = run.transitions;
    expect(t.state.tier).toBe('warning');
    expect(t.state.text).toContain('warning above 5');
    expect(t.state.text).not.toContain('critical');
    expect(t.state.threshold).toBe(0.05);
    expect(t.state.conditionSince).toBe(minute(10)); // the condition began at slot 10; the alert fired two minutes later
    expect(t.state.startsAt).toBeGreaterThan(minute(12));
  });
});

describe('flapping (an alert that resolves and fires again within minutes is one episode)', () => {
  // keep_firing_for 1m, for 0m: the kind of rule that flapped in the field (a gap rule broken by stray requests).
  const config = configOf([serverErrorRule({ keep_firing_for: '1m', hysteresis: 0, tiers: { critical: { above: '5%', for: '0m' } } })]);
  const flapping = (bad: number, good: number, cycles: number) => Array.from({ length: cycles }, () => [...runs([20, bad]), ...runs([0, good])]).flat();

  it('a condition that clears for 4 minutes and comes back for 1, ten times over, is one episode that resolves once', () => {
    const errors = [...runs([0, 5]), ...flapping(1, 4, 10), ...runs([0, 20])];
    const run = evaluateMinutes(config, frameOf({ [M]: errorTraffic(runs([100, errors.length]), errors) }));
    // Fires at 5; the last bad minute is 50; clear for the 5-minute minimum resolve hold from 51.
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @5`, `resolved critical ${M} @56`]);
  });

  it('a slower flap (bad 1 minute in 8) costs one extra episode, not one per cycle: the re-fire holds for 30 minutes of clear condition', () => {
    const errors = [...runs([0, 5]), ...flapping(1, 7, 10), ...runs([0, 40])];
    const run = evaluateMinutes(config, frameOf({ [M]: errorTraffic(runs([100, errors.length]), errors) }));
    // Fires at 5, resolves after 5 clear minutes (@11), fires again at 13 (within 30 min: flapping), and only
    // resolves 30 minutes after the last bad minute (77).
    expect(timeline(run.transitions)).toEqual([`firing critical ${M} @5`, `resolved critical ${M} @11`, `firing critical ${M} @13`, `resolved critical ${M} @108`]);
    expect(run.transitions[2].state.flapping).toBe(true);
  });
});
