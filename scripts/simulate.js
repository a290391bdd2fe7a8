#!/usr/bin/env node
// `npm run simulate -- --seeds N [--from SEED]`: the deterministic simulation of the on-call path
// (test/sim) over N seeds starting at SEED (default 1000), instead of the fixed set `npm test` runs.
// Writes out/simulation.json (RELIABILITY.md's Simulation section: `npm run reliability`).
// A failing seed is printed with its replay command: SIM_SEED=<seed> npx jest test/sim
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
let seeds = 20;
let from = 1000;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--seeds') seeds = Number(argv[++i]);
  else if (argv[i] === '--from') from = Number(argv[++i]);
  else {
    console.error(`simulate: unknown argument ${JSON.stringify(argv[i])} (usage: simulate [--seeds N] [--from SEED])`);
    process.exit(2);
  }
}
if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(from)) {
  console.error('simulate: --seeds must be a positive integer and --from an integer');
  process.exit(2);
}
const jestBin = require.resolve('jest/bin/jest', { paths: [root] });
console.error(`> jest test/sim (seeds ${from}–${from + seeds - 1})`);
const r = spawnSync(process.execPath, [jestBin, 'test/sim', '--maxWorkers=1'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SIM_SEEDS: String(seeds), SIM_FIRST_SEED: String(from) },
});
process.exit(r.status === null ? 1 : r.status);
