/** RELIABILITY.md's Simulation section is generated from the simulation's JSON (out/simulation.json), not written by hand. */
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { renderSimulation } = require(join(root, 'scripts', 'reliability.js')) as { renderSimulation: (sim: unknown, file: string) => string };

const sim = {
  invariants: { 'no-loss': 'nothing decided is lost', 'ack-stops-escalation': 'an ack stops | the escalation' },
  faultKinds: ['tick-late', 'dynamo-unprocessed-keys', 'receiver-timeout'],
  expectedFailures: { 'ack-stops-escalation': 'issue 17.3 (ack-security)' },
  seeds: [1, 2, 3, 7, 9, 10],
  runs: 6,
  steps: 360,
  ticks: 401,
  models: [1, 3, 59, 2, 4, 200],
  faults: { 'tick-late': 12, 'dynamo-unprocessed-keys': 4 },
  accepted: { 'slack-team': 20, 'pagerduty-oncall': 9 },
  actions: { trigger: 12, resolve: 10, repeat: 4, escalate: 3 },
  violations: [{ seed: 3, invariant: 'no-loss', step: 60, detail: 'x' }],
  expectedViolations: [{ seed: 2, invariant: 'ack-stops-escalation', step: 31 }, { seed: 9, invariant: 'ack-stops-escalation', step: 40 }],
};

describe('the Simulation section of RELIABILITY.md', () => {
  const md = renderSimulation(sim, join(root, 'out', 'simulation.json'));

  it('says how much was run: seeds (ranges), steps, ticks, storm sizes, messages accepted', () => {
    expect(md).toContain('## Simulation');
    expect(md).toContain('6 seeded runs (seeds 1–3, 7, 9–10), 360 simulated minutes, 401 evaluate invocations, storms of 1–200 models');
    expect(md).toContain('messages accepted: slack-team 20, pagerduty-oncall 9 (by kind: trigger 12, escalate 3, update 0, repeat 4, resolve 10).');
    expect(md).toContain('SIM_SEED=<seed> npx jest test/sim');
  });

  it('lists every invariant with its violations, naming expected failures and their issue item, escaping pipes', () => {
    expect(md).toContain('| **no-loss**: nothing decided is lost | 1 |');
    expect(md).toContain('| **ack-stops-escalation**: an ack stops \\| the escalation (expected failure: issue 17.3 (ack-security); 2 seen) | 0 |');
  });

  it('lists every fault kind with how many were injected (0 when none)', () => {
    expect(md).toContain('| tick-late | 12 |');
    expect(md).toContain('| dynamo-unprocessed-keys | 4 |');
    expect(md).toContain('| receiver-timeout | 0 |');
  });
});
