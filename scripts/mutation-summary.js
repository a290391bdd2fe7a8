#!/usr/bin/env node
// After `npm run mutation`: turns StrykerJS's JSON report(s) (out/mutation/*.json, not committed) into
// the committed summary docs/mutation.json, which `npm run reliability` renders as RELIABILITY.md's
// "Mutation testing" section. Several reports (a run per folder) are combined; a file mutated in more
// than one report counts from the last one given. Each survivor gets its reason from
// docs/mutation-reasons.json (keyed "file:line:column Mutator"); one without a reason is listed as such.
//
// Usage: node scripts/mutation-summary.js REPORT.json [REPORT.json …] [--out docs/mutation.json]
//          [--reasons docs/mutation-reasons.json] [--command "npm run mutation -- …"] [--wall MINUTES]
//          [--carry docs/mutation.json]   (keep the files no report given covers from an earlier summary)
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const STATUSES = ['Killed', 'Survived', 'Timeout', 'NoCoverage', 'RuntimeError', 'CompileError', 'Ignored'];

/** The mutated text of a mutant's location in its file's source (one line, trimmed to 120 characters). */
function original(source, loc) {
  const lines = source.split('\n');
  const { start, end } = loc;
  let text;
  if (start.line === end.line) text = lines[start.line - 1].slice(start.column - 1, end.column - 1);
  else text = [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}…` : flat;
}

const keyOf = (file, m) => `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}`;

function emptyCounts() {
  return Object.fromEntries(['mutants', ...STATUSES.map((s) => s[0].toLowerCase() + s.slice(1))].map((k) => [k, 0]));
}

/** Stryker's score: (killed + timeout) / (killed + timeout + survived + no coverage); errors and ignored are not counted. */
function score(c) {
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return valid ? Math.round(((c.killed + c.timeout) / valid) * 1000) / 10 : null;
}

/** The .ts files under the config's `mutate` globs (folder/**\/*.ts form), relative, sorted. */
function scopeFiles(config, base = root) {
  const out = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(base, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const g of config.mutate ?? []) {
    const m = /^([\w./-]+?)\/\*\*\/\*\.ts$/.exec(g);
    if (m && fs.existsSync(path.join(base, m[1]))) walk(m[1]);
  }
  return [...new Set(out)].sort();
}

function summarize(reports, reasons, meta = {}) {
  const files = {};
  const perf = { setupMs: 0, initialRunMs: 0, mutationMs: 0 };
  let framework = null;
  for (const r of reports) {
    for (const [file, f] of Object.entries(r.files ?? {})) files[file.split(path.sep).join('/')] = f;
    if (r.performance) {
      perf.setupMs += r.performance.setup ?? 0;
      perf.initialRunMs += r.performance.initialRun ?? 0;
      perf.mutationMs += r.performance.mutation ?? 0;
    }
    framework = r.framework ? `${r.framework.name} ${r.framework.version}` : framework;
  }
  const total = emptyCounts();
  const folders = {};
  const byFile = {};
  const survivors = [];
  for (const [file, f] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const folder = path.posix.dirname(file);
    folders[folder] ??= emptyCounts();
    byFile[file] = emptyCounts();
    for (const m of f.mutants) {
      const k = m.status[0].toLowerCase() + m.status.slice(1);
      for (const c of [total, folders[folder], byFile[file]]) {
        c.mutants++;
        if (k in c) c[k]++;
      }
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const key = keyOf(file, m);
        const reason = reasons[key] ?? null;
        survivors.push({
          key,
          status: m.status,
          original: original(f.source, m.location),
          replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 120),
          verdict: reason?.verdict ?? 'no reason recorded',
          reason: reason?.reason ?? null,
        });
      }
    }
  }
  // Files of an earlier summary (docs/mutation.json) that no report given now covers keep their
  // counts and survivors from that run, their reasons looked up again: one slice of the scope can be
  // re-run without re-running the rest.
  const carried = [];
  for (const [file, c] of Object.entries(meta.carry?.files ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (file in byFile) continue;
    carried.push(file);
    const folder = path.posix.dirname(file);
    folders[folder] ??= emptyCounts();
    byFile[file] = emptyCounts();
    for (const target of [total, folders[folder], byFile[file]]) for (const k of Object.keys(target)) target[k] += c[k] ?? 0;
    for (const v of meta.carry.survivors ?? []) {
      if (!v.key.startsWith(`${file}:`)) continue;
      const reason = reasons[v.key] ?? (v.reason ? { verdict: v.verdict, reason: v.reason } : null);
      survivors.push({ ...v, verdict: reason?.verdict ?? 'no reason recorded', reason: reason?.reason ?? null });
    }
  }
  survivors.sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
  const withScore = (c) => ({ ...c, score: score(c) });
  const timed = perf.setupMs + perf.initialRunMs + perf.mutationMs > 0; // Stryker 10's JSON report carries no timings: --wall gives them
  return {
    tool: framework ?? 'StrykerJS',
    command: meta.command ?? 'npm run mutation',
    ...(meta.when ? { when: meta.when } : {}),
    ...(meta.wallMinutes ? { wallMinutes: meta.wallMinutes } : {}),
    ...(timed ? { durationMinutes: { setup: Math.round(perf.setupMs / 600) / 100, initialTestRun: Math.round(perf.initialRunMs / 600) / 100, mutants: Math.round(perf.mutationMs / 600) / 100 } } : {}),
    total: withScore(total),
    // The same score once the survivors judged equivalent (no test can kill them) are left out.
    scoreWithoutEquivalent: score({ ...total, survived: total.survived - survivors.filter((v) => v.status === 'Survived' && v.verdict === 'equivalent').length }),
    ...(carried.length ? { carriedFrom: { when: meta.carry.when ?? null, command: meta.carry.command ?? null, files: carried } } : {}),
    ...(meta.scope ? { notRunYet: meta.scope.filter((f) => !(f in byFile)) } : {}),
    folders: Object.fromEntries(Object.entries(folders).map(([k, v]) => [k, withScore(v)])),
    files: Object.fromEntries(Object.entries(byFile).map(([k, v]) => [k, withScore(v)])),
    survivors,
  };
}

function main() {
  const argv = process.argv.slice(2);
  const o = { reports: [], out: path.join(root, 'docs', 'mutation.json'), reasons: path.join(root, 'docs', 'mutation-reasons.json'), command: undefined, wall: undefined, carry: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') o.out = path.resolve(argv[++i]);
    else if (argv[i] === '--reasons') o.reasons = path.resolve(argv[++i]);
    else if (argv[i] === '--command') o.command = argv[++i];
    else if (argv[i] === '--wall') o.wall = Number(argv[++i]);
    else if (argv[i] === '--carry') o.carry = JSON.parse(fs.readFileSync(path.resolve(argv[++i]), 'utf8'));
    else if (argv[i].startsWith('--')) {
      console.error(`mutation-summary: unknown option ${JSON.stringify(argv[i])}`);
      process.exit(2);
    } else o.reports.push(path.resolve(argv[i]));
  }
  if (!o.reports.length) o.reports.push(path.join(root, 'out', 'mutation', 'mutation.json'));
  const reports = o.reports.map((f) => {
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      console.error(`mutation-summary: cannot read ${path.relative(process.cwd(), f)} (${e.code ?? e.message}); run \`npm run mutation\` first, it writes out/mutation/mutation.json`);
      process.exit(1);
    }
  });
  let reasons = {};
  if (fs.existsSync(o.reasons)) reasons = JSON.parse(fs.readFileSync(o.reasons, 'utf8'));
  const when = new Date(Math.max(...o.reports.map((f) => fs.statSync(f).mtimeMs))).toISOString().replace(/\.\d+Z$/, 'Z');
  const config = JSON.parse(fs.readFileSync(path.join(root, 'stryker.config.json'), 'utf8'));
  const s = summarize(reports, reasons, { command: o.command, when, wallMinutes: o.wall, scope: scopeFiles(config), carry: o.carry });
  fs.writeFileSync(o.out, `${JSON.stringify(s, null, 2)}\n`);
  const t = s.total;
  console.error(`mutation-summary: wrote ${path.relative(process.cwd(), o.out)}: ${t.mutants} mutants, ${t.killed} killed, ${t.survived} survived, ${t.timeout} timeout, ${t.noCoverage} no coverage, score ${t.score}%`);
  const unexplained = s.survivors.filter((v) => !v.reason).length;
  if (unexplained) console.error(`mutation-summary: ${unexplained} survivor(s) without a reason in ${path.relative(process.cwd(), o.reasons)}`);
}

if (require.main === module) main();
module.exports = { summarize, score, original, scopeFiles };
