#!/usr/bin/env node
// `npm run reliability`: writes RELIABILITY.md from the last test run (out/jest-results.json,
// written by `npm test`). The guarantees are fixed text; the table of faults and bad inputs
// tried is counted from the run: every test under a describe block named `fault: …` or
// `bad input: …`, grouped by that block, with how many passed and failed.
//
// The "Mutation testing" section comes from the committed docs/mutation.json (scripts/mutation-summary.js).
//
// Usage: node scripts/reliability.js [--results out/jest-results.json] [--out RELIABILITY.md] [--mutation docs/mutation.json]
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { mutationSection } = require('./mutation-section');

const root = path.resolve(__dirname, '..');

const GUARANTEES = [
  [
    'At-least-once evaluation',
    'Every minute of data is judged at least once. The evaluate tick writes its decisions (the outbox) before it moves its ' +
      'cursor, in single-item conditional writes, so a tick that dies part-way is finished by the next one and a tick that ' +
      'fails outright leaves the cursor where it was: the next tick judges every minute missed since, up to ' +
      '`settings.max_catch_up`. A scheduled event delivered twice carries the same time and decides the same, so it records ' +
      'and sends nothing twice. Lambda retries a failed tick twice; an invocation that still fails goes to the ' +
      'failed-invocations queue, and the heartbeat alarm notifies the SNS topic when no tick has succeeded for two periods.',
  ],
  [
    'Exactly-once effect per receiver where it deduplicates',
    'Each notification is recorded in the outbox before any HTTP call, claimed with a lease so two ticks never send it at ' +
      'the same time, and marked sent once the receiver accepted it. A send whose answer is lost (timeout, crash after the ' +
      'request) is retried: PagerDuty deduplicates on the `dedup_key`, so its effect happens exactly once; Slack and SNS do ' +
      'not deduplicate, so there the guarantee is at least once, and a repeat needs a lost answer. A notification that ' +
      'cannot be delivered is retried for up to a day — a receiver that fails is probed again with its oldest message each ' +
      'tick (or when its Retry-After says), and its queue follows in order once it answers — then counted as dropped, which ' +
      'an alarm reports, and announced on the stack topic.',
  ],
  [
    'Ordering per alert and receiver',
    'Nothing is sent to a receiver for a stream (the notification `key`: the alert episode, or the group) while an earlier ' +
      'notification of that stream is still unsent, so a resolve never overtakes its trigger and a late resolve cannot close ' +
      'the next episode. Different alerts and different receivers do not wait for each other: a receiver that is down ' +
      'delays only its own messages.',
  ],
];

const PREFIXES = [
  ['fault:', 'fault'],
  ['bad input:', 'bad input'],
];

function args(argv) {
  const o = { results: path.join(root, 'out', 'jest-results.json'), out: path.join(root, 'RELIABILITY.md'), simulation: path.join(root, 'out', 'simulation.json'), mutation: path.join(root, 'docs', 'mutation.json') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--results') o.results = path.resolve(argv[++i]);
    else if (argv[i] === '--simulation') o.simulation = path.resolve(argv[++i]);
    else if (argv[i] === '--out') o.out = path.resolve(argv[++i]);
    else if (argv[i] === '--mutation') o.mutation = path.resolve(argv[++i]);
    else {
      console.error(`reliability: unknown argument ${JSON.stringify(argv[i])} (usage: reliability [--results FILE] [--simulation FILE] [--out FILE] [--mutation FILE])`);
      process.exit(2);
    }
  }
  return o;
}

/**
 * The checkout the results were written in: this one, or the clone a clean `.ci/run` ran in (its test
 * files all live under <clone>/test, so the common folder of their paths names it). Paths in the table
 * are relative to it, whichever checkout renders them.
 */
function runRoot(results) {
  const files = (results.testResults ?? []).map((f) => f.name ?? f.testFilePath).filter(Boolean);
  if (!files.length || files.every((f) => !path.relative(root, f).startsWith('..'))) return root;
  let common = path.dirname(files[0]);
  for (const f of files) while (common !== path.dirname(common) && !f.startsWith(common + path.sep)) common = path.dirname(common);
  while (path.basename(common) !== 'test' && common !== path.dirname(common)) common = path.dirname(common);
  return path.basename(common) === 'test' ? path.dirname(common) : root;
}

/** Rows of the table: one per tagged describe block (file + block name), counts from its tests. */
function tally(results) {
  const rows = new Map();
  const base = runRoot(results);
  for (const file of results.testResults ?? []) {
    const rel = path.relative(base, file.name ?? file.testFilePath ?? '').split(path.sep).join('/');
    for (const t of file.assertionResults ?? []) {
      const titles = t.ancestorTitles ?? [];
      // The innermost tagged block names the fault; tests outside any tagged block are not counted.
      let block;
      let kind;
      for (const title of titles) {
        const p = PREFIXES.find(([prefix]) => title.toLowerCase().startsWith(prefix));
        if (p) {
          block = title;
          kind = p[1];
        }
      }
      if (!block) continue;
      const key = `${rel}\u0000${block}`;
      const row = rows.get(key) ?? { kind, what: block.slice(block.indexOf(':') + 1).trim(), file: rel, tests: 0, passed: 0, failed: 0 };
      row.tests++;
      if (t.status === 'passed') row.passed++;
      else if (t.status === 'failed') row.failed++;
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.file.localeCompare(b.file) || a.what.localeCompare(b.what));
}

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function render(results, rows, resultsFile, mutation = null, mutationFile = 'docs/mutation.json') {
  const when = results.startTime ? new Date(results.startTime).toISOString().replace(/\.\d+Z$/, 'Z') : 'unknown time';
  const sum = (kind, f) => rows.filter((r) => !kind || r.kind === kind).reduce((n, r) => n + r[f], 0);
  const lines = [
    '# Reliability',
    '',
    `<!-- Generated by \`npm run reliability\` (scripts/reliability.js) from ${path.relative(root, resultsFile)}; do not edit. -->`,
    '',
    '## What is guaranteed',
    '',
  ];
  for (const [title, text] of GUARANTEES) lines.push(`**${title}.** ${text}`, '');
  lines.push(
    '## Faults and bad inputs tried',
    '',
    `From the test run of ${when}: ${results.numTotalTests ?? 0} tests, ${results.numPassedTests ?? 0} passed, ${results.numFailedTests ?? 0} failed. ` +
      'Each row is a describe block named `fault: …` or `bad input: …`; its tests are counted.',
    '',
    '| kind | what was tried | tests | passed | failed | where |',
    '|---|---|---:|---:|---:|---|',
  );
  for (const r of rows) lines.push(`| ${r.kind} | ${cell(r.what)} | ${r.tests} | ${r.passed} | ${r.failed} | \`${r.file}\` |`);
  lines.push(
    '',
    `Totals: ${sum('fault', 'tests')} fault tests (${sum('fault', 'passed')} passed, ${sum('fault', 'failed')} failed), ` +
      `${sum('bad input', 'tests')} bad-input tests (${sum('bad input', 'passed')} passed, ${sum('bad input', 'failed')} failed), ` +
      `in ${rows.length} blocks.`,
    '',
  );
  lines.push(...mutationSection(mutation, mutationFile));
  return lines.join('\n');
}

/**
 * The "Simulation" section, from the JSON the simulation writes (test/sim/oncall.test.ts → out/simulation.json):
 * the invariants the oracle checks after every step, the fault kinds injected (with how many), the seeds and
 * steps run, and what broke (an invariant listed as an expected failure names the issue item another branch fixes).
 */
function renderSimulation(sim, simFile) {
  const faults = sim.faults ?? {};
  const lines = [
    '## Simulation',
    '',
    `<!-- From ${path.relative(root, simFile)}, written by the deterministic simulation (test/sim, \`npm run simulate -- --seeds N\`). -->`,
    '',
    `${sim.runs} seeded runs (seeds ${compactSeeds(sim.seeds ?? [])}), ${sim.steps} simulated minutes, ${sim.ticks} evaluate invocations, ` +
      `storms of ${Math.min(...(sim.models ?? [0]))}–${Math.max(...(sim.models ?? [0]))} models; ` +
      `messages accepted: ${Object.entries(sim.accepted ?? {}).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}` +
      (sim.actions ? ` (by kind: ${['trigger', 'escalate', 'update', 'repeat', 'resolve'].map((k) => `${k} ${sim.actions[k] ?? 0}`).join(', ')})` : '') +
      '. ' +
      'Each run drives the real evaluate and ack handlers on dynalite; a failing run prints its seed and `SIM_SEED=<seed> npx jest test/sim` replays it.',
    '',
    '| invariant (checked after every step) | violations |',
    '|---|---:|',
  ];
  const broken = (name) => (sim.violations ?? []).filter((v) => v.invariant === name).length;
  const expected = (name) => (sim.expectedViolations ?? []).filter((v) => v.invariant === name).length;
  for (const [name, text] of Object.entries(sim.invariants ?? {})) {
    const note = sim.expectedFailures?.[name] ? ` (expected failure: ${sim.expectedFailures[name]}; ${expected(name)} seen)` : '';
    lines.push(`| **${cell(name)}**: ${cell(text)}${cell(note)} | ${broken(name)} |`);
  }
  lines.push('', '| fault kind | injected |', '|---|---:|');
  for (const kind of sim.faultKinds ?? []) lines.push(`| ${cell(kind)} | ${faults[kind] ?? 0} |`);
  lines.push('');
  return lines.join('\n');
}

/** "1–6, 10" */
function compactSeeds(seeds) {
  const sorted = [...seeds].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(', ') || 'none';
}

function main() {
  const o = args(process.argv.slice(2));
  let results;
  try {
    results = JSON.parse(fs.readFileSync(o.results, 'utf8'));
  } catch (e) {
    console.error(`reliability: cannot read ${path.relative(process.cwd(), o.results)} (${e.code ?? e.message}); run \`npm test\` first, it writes that file`);
    process.exit(1);
  }
  const rows = tally(results);
  let sim = null;
  try {
    sim = JSON.parse(fs.readFileSync(o.simulation, 'utf8'));
  } catch {
    console.error(`reliability: no ${path.relative(process.cwd(), o.simulation)} (the simulation writes it): no Simulation section`);
  }
  const mutation = fs.existsSync(o.mutation) ? JSON.parse(fs.readFileSync(o.mutation, 'utf8')) : null;
  fs.writeFileSync(o.out, render(results, rows, o.results, mutation, path.relative(root, o.mutation).split(path.sep).join('/')) + (sim ? `\n${renderSimulation(sim, o.simulation)}` : ''));
  console.error(`reliability: wrote ${path.relative(process.cwd(), o.out)} (${rows.length} blocks, ${rows.reduce((n, r) => n + r.tests, 0)} tests)`);
}

if (require.main === module) main();
module.exports = { tally, render, renderSimulation, GUARANTEES };
