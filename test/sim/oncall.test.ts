/**
 * The deterministic simulation of the on-call path (test/support/sim): a fixed set of seeds in
 * `npm test`; `SIM_SEED=123 npx jest test/sim` replays one; `npm run simulate -- --seeds N` runs more
 * (SIM_SEEDS=N). Each run writes its summary to out/simulation.json (RELIABILITY.md's Simulation section).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_KINDS, runSimulation, type SimResult } from '../support/sim/world';
import { INVARIANTS } from '../support/sim/oracle';

/**
 * Invariants another branch makes hold (issue items); their violations are reported, not failed.
 * The integrator removes each entry once that branch is merged.
 */
const EXPECTED_FAILURES: Record<string, string> = {};

// Small storms, seed 7 (a storm of 59 models) and seed 9 (178 models; seeds 8 and 15 draw 144 and 111:
// `npm run simulate` runs those); one or two steady models throttle for most of each run (the falling
// tier, the 7-minute repeats). Checked by mutating shared/route (each seed listed fails):
// a group's acknowledgement stopping nothing (issue 17.3): seed 5; the policy ignoring silences (17.5):
// seeds 4 and 11; repeats every group_interval: 4, 7; route repeats never: 7; policy repeats never: 7, 9;
// route repeats despite acknowledged alerts: 1, 2, 5, 11; policy repeats after a group acknowledgement
// once its steps are done: 1, 2; a partial resolve told as a resolve (open-stream): 1, 2; a falling
// tier never told as an update (tier-fall-told): 2 (and the message-kind test below).
const FIXED_SEEDS = [1, 2, 4, 5, 7, 9, 11];
const seeds = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : process.env.SIM_SEEDS
    ? Array.from({ length: Number(process.env.SIM_SEEDS) }, (_, i) => (Number(process.env.SIM_FIRST_SEED ?? 1000) + i))
    : FIXED_SEEDS;

const results: SimResult[] = [];

afterAll(() => {
  const out = join(__dirname, '..', '..', 'out');
  mkdirSync(out, { recursive: true });
  const summary = {
    invariants: INVARIANTS,
    faultKinds: FAULT_KINDS,
    expectedFailures: EXPECTED_FAILURES,
    seeds: results.map((r) => r.seed),
    runs: results.length,
    steps: results.reduce((n, r) => n + r.steps, 0),
    ticks: results.reduce((n, r) => n + r.ticks, 0),
    models: results.map((r) => r.models),
    faults: results.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.faults)) acc[k] = (acc[k] ?? 0) + (v ?? 0);
      return acc;
    }, {}),
    accepted: results.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.accepted)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
    actions: results.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.actions)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
    byReceiver: results.reduce<Record<string, Record<string, number>>>((acc, r) => {
      for (const [receiver, kinds] of Object.entries(r.byReceiver)) for (const [k, v] of Object.entries(kinds)) (acc[receiver] ??= {})[k] = (acc[receiver][k] ?? 0) + v;
      return acc;
    }, {}),
    violations: results.flatMap((r) => r.violations.filter((v) => !v.expected).map((v) => ({ seed: r.seed, ...v }))),
    expectedViolations: results.flatMap((r) => r.violations.filter((v) => v.expected).map((v) => ({ seed: r.seed, invariant: v.invariant, step: v.step }))),
  };
  writeFileSync(join(out, 'simulation.json'), `${JSON.stringify(summary, null, 2)}\n`);
});

/** Every kind of message the routing and the policy send. */
const KINDS = ['trigger', 'escalate', 'update', 'repeat', 'resolve'];

describe('deterministic simulation of the on-call path', () => {
  it.each(seeds)('seed %i: every invariant holds after every step', async (seed) => {
    const result = await runSimulation({ seed, expectedFailures: EXPECTED_FAILURES });
    results.push(result);
    const failing = result.violations.filter((v) => !v.expected);
    if (failing.length) {
      const lines = failing.slice(0, 10).map((v) => `  [${v.invariant}] step ${v.step}: ${v.detail}`);
      throw new Error(`simulation seed ${seed} broke ${failing.length} invariant check(s):\n${lines.join('\n')}\nreplay: SIM_SEED=${seed} npx jest test/sim`);
    }
  }, 240_000);

  // Runs after the seeds above (jest keeps a file's order): what they exercised, not only that nothing broke.
  (seeds === FIXED_SEEDS ? it : it.skip)('the fixed seeds exercise every message kind: trigger, escalate (a tier rising, a policy step), update (a tier falling), repeat (route and policy), resolve', () => {
    expect(results.map((r) => r.seed)).toEqual(FIXED_SEEDS);
    const by = (receiver: string, action: string) => results.reduce((n, r) => n + (r.byReceiver[receiver]?.[action] ?? 0), 0);
    for (const kind of KINDS) expect(results.some((r) => (r.actions[kind] ?? 0) > 0)).toBe(true);
    // The route's own messages: a group escalating, falling and repeating at Slack.
    expect(by('slack-team', 'escalate')).toBeGreaterThan(0);
    expect(by('slack-team', 'update')).toBeGreaterThan(0);
    expect(by('slack-team', 'repeat')).toBeGreaterThan(0);
    // The policy's: its steps and its repeats to everyone it reached.
    expect(by('pagerduty-oncall', 'trigger')).toBeGreaterThan(0);
    expect(by('sns-mgmt', 'escalate')).toBeGreaterThan(0);
    expect(by('pagerduty-oncall', 'repeat') + by('sns-mgmt', 'repeat')).toBeGreaterThan(0);
    // And the long-firing group was acknowledged in some runs and left alone in others.
    expect(results.some((r) => r.longFiring.acked)).toBe(true);
    expect(results.some((r) => !r.longFiring.acked && r.longFiring.repeats > 0)).toBe(true);
  });
});
