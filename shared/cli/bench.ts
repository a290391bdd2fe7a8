/**
 * `npm run bench`: speed and cost figures, each measured against its floor in the same run (never
 * assertions, never part of `npm test`). Prints a table and writes out/bench.json, which
 * scripts/bench-readme.js copies into the README's performance section.
 *
 * Sections: engine at scale, cold start per packaged function, replay ms per tick, GetMetricData
 * metrics per tick and the monthly cost at 20 models, a 14-day multi-model backtest, the demo,
 * ingest throughput, and detection (shared/cli/bench-detection.ts, when present).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { evaluate } from '../engine/evaluate';
import { seriesNeeded } from '../engine/needs';
import { NO_BASELINES } from '../engine/types';
import { generateWorkload, type ModelProfile } from '../local/generate';
import type { ReplayOptions, ReplayResult } from '../local/replay-run';
import { loadRulesFile, parseRules } from '../rules/load';
import type { Config } from '../rules/schema';
import { loadMetricTrace, type MetricTrace } from '../sources/trace';
import { DAY, MINUTE } from '../core/time';
import type { Frame } from '../core/series';
import { costReport, type CostReport, type Profile } from './cost/command';
import { align } from './main';
import { ROOT } from './root';

const SAMPLES = join(ROOT, 'events', 'traces');

const replay = (opts: ReplayOptions): Promise<ReplayResult> => (require('../local/replay-run') as typeof import('../local/replay-run')).replay(opts);

/** One bench section: rows for the printed table, figures for out/bench.json. */
export interface BenchSection {
  title: string;
  rows: string[][];
  figures: Record<string, unknown>;
}

/**
 * Hook for the detection comparison: shared/cli/bench-detection.ts exports
 * `detectionBench(ctx: DetectionBenchContext): Promise<BenchSection>`; its figures land under
 * `detection` in out/bench.json.
 */
export interface DetectionBenchContext {
  root: string;
  config: Config;
  /** A scratch directory removed after the bench. */
  tmp: string;
  replay: typeof replay;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line = '') => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;
const times = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×` : 'n/a');
const round = (x: number, d = 2) => Number(x.toFixed(d));

export async function bench({ quick, only }: { quick: boolean; only?: string[] }): Promise<number> {
  const config = loadRulesFile(join(ROOT, 'rules.yml'));
  const tmp = mkdtempSync(join(tmpdir(), 'bedrock-watch-bench-'));
  const figures: Record<string, unknown> = { machine: { cpus: require('node:os').cpus().length, node: process.version }, measuredAt: new Date().toISOString() };
  const sections: BenchSection[] = [];
  const run = async (name: string, fn: () => Promise<BenchSection>) => {
    if (only && !only.includes(name)) return;
    err(`bench: ${name}…`);
    const s = await fn();
    sections.push(s);
    figures[name] = s.figures;
    out(s.title);
    for (const line of align(s.rows)) out(line);
    out();
  };
  try {
    await run('engine', async () => engineBench(config));
    await run('coldStart', async () => coldStartBench(tmp));
    await run('replay', async () => replayBench(config));
    const evaluateMs = (figures.replay as { dynaliteMsPerTick: number } | undefined)?.dynaliteMsPerTick ?? 13;
    await run('api', async () => apiBench(config));
    await run('cost', async () => costBench(config, evaluateMs, (figures.api as { metricsRequestedPerTick20Models: number } | undefined)?.metricsRequestedPerTick20Models ?? 0));
    if (!quick) {
      await run('backtest', async () => backtestBench(config, tmp));
      await run('generated', async () => generatedBench(config));
      await run('demo', async () => demoBench(tmp));
    }
    await run('ingest', async () => ingestBench());
    const { detectionBench } = require('./bench-detection') as { detectionBench: (ctx: DetectionBenchContext) => Promise<BenchSection> };
    await run('detection', () => detectionBench({ root: ROOT, config, tmp, replay }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const file = join(ROOT, 'out', 'bench.json');
  const previous = existsSync(file) && (quick || only) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  writeFileSync(file, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
  out(`Wrote ${file}${quick || only ? ' (the figures of sections not run kept from the previous run)' : ''}`);
  return 0;
}

// ── engine at scale ─────────────────────────────────────────────────────────

/** Rules besides rules.yml's, to judge 15 per model. */
const EXTRA_RULES = `
  - { name: extra-latency-avg, kind: threshold, metric: InvocationLatency, stat: Average, window: 5m, next_check: bench, tiers: { warning: { above: 8s, for: 10m } } }
  - { name: extra-output-tokens, kind: threshold, metric: OutputTokenCount, stat: Sum, window: 5m, next_check: bench, tiers: { warning: { above: 1000000, for: 10m } } }
  - { name: extra-all-errors, kind: ratio, numerator: [InvocationServerErrors, InvocationClientErrors], denominator: Invocations, window: 5m, next_check: bench, tiers: { warning: { above: 10%, for: 10m } } }
  - { name: extra-invocations-baseline, kind: baseline, series: Invocations, window: 15m, next_check: bench, tiers: { warning: { above: 3, for: 15m } } }
`;

export function fifteenRules(): Config {
  const text = readFileSync(join(ROOT, 'rules.yml'), 'utf8').replace(/^rules:\n/m, `rules:\n${EXTRA_RULES.replace(/^\n/, '')}`);
  return parseRules(text, 'rules.yml + bench rules');
}

/** A frame of `models` models × the rules' series × 60 minutes of steady traffic. */
export function syntheticFrame(config: Config, models: number, minutes = 60): Frame {
  const from = Date.parse('2026-10-05T12:00:00Z');
  const keys = seriesNeeded(config.rules);
  const frame: Frame = { from, length: minutes, period: MINUTE, models: {} };
  for (let m = 0; m < models; m++) {
    const byKey: Frame['models'][string] = {};
    for (const [k, key] of keys.entries()) byKey[key] = Array.from({ length: minutes }, (_, i) => (key.startsWith('Invocation') && key.includes('Error') ? (i + m) % 7 === 0 ? 1 : 0 : 100 + ((i * 7 + m * 13 + k) % 50)));
    frame.models[`bench.model-${m}-v1:0`] = byKey;
  }
  return frame;
}

function engineBench(base: Config): BenchSection {
  const config = fifteenRules();
  const rules = config.rules.length;
  const figures: Record<string, number> = { rules };
  const rows: string[][] = [['  models', 'one tick', 'bare loop over the points', 'ratio']];
  for (const n of [10, 100, 1000]) {
    const frame = syntheticFrame(config, n);
    const minute = frame.from + (frame.length - 1) * MINUTE;
    const tick = () => evaluate({ config, frame, states: {}, baselines: NO_BASELINES, minutes: [{ minute, at: minute + 3 * MINUTE }] });
    // The floor: every rule reads its series' 60 points for every model, and nothing else.
    const keysOf = config.rules.map((r) => seriesNeeded([r]));
    let sink = 0;
    const bare = () => {
      for (const byKey of Object.values(frame.models)) for (const keys of keysOf) for (const k of keys) for (const v of byKey[k] ?? []) sink += v ?? 0;
    };
    const timeIt = (fn: () => void, reps: number) => {
      fn(); // warm-up
      const xs: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t = performance.now();
        fn();
        xs.push(performance.now() - t);
      }
      return median(xs);
    };
    const reps = n >= 1000 ? 5 : 15;
    const engine = timeIt(tick, reps);
    const floor = timeIt(bare, reps * 3);
    if (sink === -1) err('');
    figures[`models${n}Ms`] = round(engine, 3);
    figures[`floor${n}Ms`] = round(floor, 3);
    rows.push([`  ${n}`, ms(engine), ms(floor), times(engine, floor)]);
    if (n === 1000) {
      figures.ratioToFloor = round(engine / floor);
      figures.targetRatioToFloor = 3;
    }
  }
  void base;
  return { title: `Engine: one tick of N models × ${rules} rules × 60 minutes (median of several runs)`, rows, figures };
}

// ── cold start ──────────────────────────────────────────────────────────────

function coldStartBench(tmp: string): BenchSection {
  const pkg = spawnSync(process.execPath, [join(ROOT, 'scripts', 'package.js')], { cwd: ROOT, encoding: 'utf8' });
  if (pkg.status !== 0) return { title: 'Cold start: skipped (npm run package failed)', rows: [[`  ${(pkg.stderr || pkg.stdout).trim().split('\n').slice(-3).join(' | ')}`]], figures: {} };
  const dir = join(ROOT, '.serverless');
  const zips = readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
  const env = { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', TABLE_NAME: 'bench', RULES_FILE: 'rules.yml' };
  const requireMs = (file: string, cwd: string) => {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const r = spawnSync(process.execPath, ['-e', script], { env, cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error((r.stderr || '').trim().split('\n').slice(0, 3).join(' | '));
    return Number(r.stdout);
  };
  const emptyDir = join(tmp, 'empty');
  mkdirSync(emptyDir, { recursive: true });
  writeFileSync(join(emptyDir, 'index.js'), 'exports.handler = async () => {};\n');
  const RUNS = 7;
  const empty = median(Array.from({ length: RUNS }, () => requireMs(join(emptyDir, 'index.js'), emptyDir)));
  const figures: Record<string, unknown> = { emptyBundleImportMs: round(empty), targets: { bytes: 400 * 1024, importMs: 100 } };
  const rows: string[][] = [['  function', 'zip', 'bundle', `require() median of ${RUNS} fresh processes`, 'over an empty bundle']];
  for (const zip of zips) {
    const fn = zip.replace(/\.zip$/, '');
    const unpacked = join(tmp, fn);
    const entries = readZip(join(dir, zip));
    for (const [name, data] of entries) {
      mkdirSync(join(unpacked, name, '..'), { recursive: true });
      writeFileSync(join(unpacked, name), data);
    }
    const main = [...entries.keys()].find((n) => n.startsWith('functions/') && n.endsWith('.js'));
    if (!main) continue;
    let importMs: number;
    try {
      importMs = median(Array.from({ length: RUNS }, () => requireMs(join(unpacked, main), unpacked)));
    } catch (e) {
      rows.push([`  ${fn}`, `failed: ${(e as Error).message}`]);
      continue;
    }
    const bytes = statSync(join(dir, zip)).size;
    const bundleBytes = entries.get(main)?.length ?? 0;
    figures[fn] = { bytes, bundleBytes, importMs: round(importMs), overEmptyMs: round(importMs - empty) };
    rows.push([`  ${fn}`, `${(bytes / 1024).toFixed(0)} KB`, `${(bundleBytes / 1024).toFixed(0)} KB`, ms(importMs), `+${ms(importMs - empty)}`]);
  }
  return { title: `Cold start: packaged functions (npm run package), require() in a fresh node ${process.version} process; empty bundle ${ms(empty)}`, rows, figures };
}

/** Every stored or deflated entry of a zip file (enough for the packages osls writes). */
export function readZip(zipFile: string): Map<string, Buffer> {
  const buf = readFileSync(zipFile);
  const entries = new Map<string, Buffer>();
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return entries;
  let p = buf.readUInt32LE(eocd + 16);
  const count = buf.readUInt16LE(eocd + 10);
  for (let i = 0; i < count && buf.readUInt32LE(p) === 0x02014b50; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    if (!name.endsWith('/')) {
      if (method === 0) entries.set(name, Buffer.from(data));
      else if (method === 8) entries.set(name, inflateRawSync(data));
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

// ── replay per tick ─────────────────────────────────────────────────────────

async function replayBench(config: Config): Promise<BenchSection> {
  const metrics = loadMetricTrace(join(SAMPLES, 'sample-metrics.jsonl.gz'));
  const from = Math.max(metrics.from, metrics.to - DAY);
  await replay({ config, metrics, from, to: from + 3_600_000, store: 'memory' }); // warm-up (JIT, module loading)
  const memory = await replay({ config, metrics, from, to: metrics.to, store: 'memory' });
  const dynalite = await replay({ config, metrics, from, to: metrics.to, store: 'dynalite' });
  return {
    title: `Replay of the sample's last day (${memory.ticks} ticks, ${Object.keys(metrics.series).length} models, ${config.rules.length} rules)`,
    rows: [
      ['  memory store', `${memory.msPerTick.toFixed(2)} ms/tick`, ''],
      ['  dynalite store', `${dynalite.msPerTick.toFixed(2)} ms/tick`, `${times(dynalite.msPerTick, memory.msPerTick)} memory`],
    ],
    figures: { memoryMsPerTick: round(memory.msPerTick), dynaliteMsPerTick: round(dynalite.msPerTick), ticks: memory.ticks },
  };
}

// ── GetMetricData per tick, measured ────────────────────────────────────────

/** `n` generated models, from a tiny one to a busy one, with background errors and throttles. */
export function manyModels(n: number): ModelProfile[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `bench.model-${String(i).padStart(2, '0')}-v1:0`,
    peakPerMinute: [1.5, 12, 60, 240][i % 4],
    nightShare: 0.25,
    weekendShare: 0.5,
    growthPerDay: 0.01,
    p95: [900, 2200, 4000, 9500][i % 4],
    inputTokens: 1500,
    outputTokens: 400,
  }));
}

export async function apiBench(config: Config): Promise<BenchSection> {
  const models = 20;
  const { trace } = generateWorkload({ start: '2026-11-02T00:00:00Z', days: 2, models: manyModels(models), incidents: [], seed: 11 });
  const from = trace.from + DAY;
  const every = await replay({ config, metrics: trace, from, store: 'memory', detailEvery: MINUTE });
  const tiered = await replay({ config, metrics: trace, from, store: 'memory' });
  const perTick = (r: ReplayResult) => r.evaluateMetrics / r.ticks;
  return {
    title: `GetMetricData metrics per evaluate tick, ${models} generated models over a day (background errors and throttles; measured by the replay source)`,
    rows: [
      ['  every series per model, every tick', perTick(every).toFixed(1), ''],
      [`  fetch plan (settings.detail_every ${config.settings.detail_every / MINUTE} min)`, perTick(tiered).toFixed(1), `${times(perTick(tiered), perTick(every))} every tick`],
      ['  alerts (every tick / tiered)', `${every.episodes.length} / ${tiered.episodes.length}`, every.episodes.length === tiered.episodes.length ? 'same' : 'DIFFER'],
    ],
    figures: { metricsRequestedPerTick20Models: round(perTick(tiered), 1), everyTickMetricsPerTick20Models: round(perTick(every), 1), ticks: tiered.ticks },
  };
}

export function costBench(config: Config, computeMs: number, measuredPerTick: number): BenchSection {
  const at = (models: number, profile: Profile) => costReport({ config, models, profile, computeMs });
  const [quiet, typical, busy, three] = [at(20, 'quiet'), at(20, 'typical'), at(20, 'busy'), at(3, 'typical')];
  const threeQuiet = at(3, 'quiet');
  const threeBusy = at(3, 'busy');
  // The metrics per tick measured on the generated workload (errors in most minutes) in place of the busy profile's estimate.
  const gmd = busy.lines.find((l) => l.name === 'GetMetricData, evaluate')!;
  const measuredTotal = busy.totalUsd - gmd.usd + (gmd.usd / gmd.quantity) * measuredPerTick * (30 * DAY / config.settings.schedule);
  // Several places: every read made in each (2 regions × 3 accounts here), next to as many native alarms.
  const places = costReport({ config, models: 20, profile: 'quiet', computeMs, regions: 2, accounts: 3 });
  const row = (name: string, r: CostReport, target: string) => [`  ${name}`, `$${r.totalUsd.toFixed(2)}`, `${times(r.totalUsd, r.nativeUsd)} native $${r.nativeUsd.toFixed(2)} (target ${target})`];
  return {
    title: `Monthly cost, every line the stack bills (bedrock-watch cost --models N --profile P; engine ${computeMs.toFixed(0)} ms/tick + modelled round trips)`,
    rows: [
      row('20 models, quiet account', quiet, '≤ 0.6×'),
      row('20 models, typical (errors in 10% of minutes)', typical, '≤ 0.75×'),
      row('20 models, busy (errors every minute)', busy, '≤ 1.0×'),
      ['  20 models, busy, metrics per tick measured on the generated workload', `$${measuredTotal.toFixed(2)}`, times(measuredTotal, busy.nativeUsd)],
      row('3 models, quiet', threeQuiet, '≤ 1.0×'),
      row('3 models, typical', three, '≤ 1.0×'),
      row('3 models, busy', threeBusy, '≤ 1.0×'),
      row('20 models in 2 regions × 3 accounts, quiet', places, 'as one place'),
    ],
    figures: {
      nativeAlarms20Models: round(quiet.nativeUsd),
      quiet20Models: round(quiet.totalUsd),
      typical20Models: round(typical.totalUsd),
      busy20Models: round(busy.totalUsd),
      measuredBusy20Models: round(measuredTotal),
      ratioQuiet20Models: round(quiet.ratio, 3),
      ratioTypical20Models: round(typical.ratio, 3),
      ratioBusy20Models: round(busy.ratio, 3),
      ratioMeasuredBusy20Models: round(measuredTotal / busy.nativeUsd, 3),
      ratioQuiet3Models: round(threeQuiet.ratio, 3),
      ratioTypical3Models: round(three.ratio, 3),
      ratioBusy3Models: round(threeBusy.ratio, 3),
      ratioSixPlacesQuiet20Models: round(places.ratio, 3),
      floors: { ratioQuiet20Models: 0.6, ratioTypical20Models: 0.75, ratioBusy20Models: 1, ratioTypical3Models: 1 },
    },
  };
}

// ── 14-day multi-model backtest ─────────────────────────────────────────────

/** A trace as FORMAT.md lines, gzipped. */
export function writeTrace(trace: MetricTrace, file: string): void {
  const chunks: Buffer[] = [];
  for (const [model, byKey] of Object.entries(trace.series)) {
    for (const [key, values] of Object.entries(byKey)) {
      const i = key.lastIndexOf(':');
      const head = `","namespace":"AWS/Bedrock","metric":"${key.slice(0, i)}","dimensions":{"ModelId":"${model}"},"stat":"${key.slice(i + 1)}","period":60,"value":`;
      const lines: string[] = [];
      values.forEach((v, j) => {
        if (v !== null) lines.push(`{"timestamp":"${new Date(trace.from + j * MINUTE).toISOString()}${head}${v}}`);
      });
      chunks.push(Buffer.from(`${lines.join('\n')}\n`));
    }
  }
  writeFileSync(file, gzipSync(Buffer.concat(chunks), { level: 1 }));
}

export async function backtestBench(config: Config, tmp: string): Promise<BenchSection> {
  const file = join(tmp, 'bench-14d-metrics.jsonl.gz');
  const { trace } = generateWorkload({ start: '2026-11-02T00:00:00Z', days: 14, models: manyModels(4), incidents: [], seed: 5 });
  writeTrace(trace, file);
  const datapoints = Object.values(trace.series).reduce((s, byKey) => s + Object.values(byKey).reduce((a, v) => a + v.filter((x) => x !== null).length, 0), 0);
  const cli = join(ROOT, 'bin', 'bedrock-watch.js');
  const timed = (args: string[]) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`bedrock-watch ${args[0]} failed: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    return (performance.now() - t) / 1000;
  };
  // The floor: gunzip and JSON.parse of every line of the same file, nothing of this project's code.
  const floorScript = `const z=require('node:zlib'),fs=require('node:fs');const t=performance.now();let n=0;for(const l of z.gunzipSync(fs.readFileSync(${JSON.stringify(file)})).toString('utf8').split('\\n'))if(l)n+=JSON.parse(l)?1:0;process.stdout.write(String(performance.now()-t))`;
  const parse = median(
    Array.from({ length: 3 }, () => {
      const r = spawnSync(process.execPath, ['-e', floorScript], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`the parse floor failed: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
      return Number(r.stdout) / 1000;
    }),
  );
  // What the replay itself costs, whatever the rules: the same trace with one threshold rule that never breaches.
  const oneRule = join(tmp, 'one-rule.yml');
  writeFileSync(oneRule, ONE_RULE);
  const load = timed(['validate', oneRule, '--metrics', file]);
  const harness = timed(['backtest', '--metrics', file, '--rules', oneRule, '--json']);
  const seconds = timed(['backtest', '--metrics', file, '--json']);
  const ticks = Math.round((trace.to - trace.from) / MINUTE);
  return {
    title: `Backtest of a generated 14-day, 4-model trace (${datapoints.toLocaleString('en-US')} datapoints, ${(statSync(file).size / 1e6).toFixed(1)} MB gzipped, ${ticks.toLocaleString('en-US')} ticks)`,
    rows: [
      ['  gunzip + JSON.parse of every line (floor, median of 3)', `${parse.toFixed(1)} s`, ''],
      ['  bedrock-watch validate --metrics (start, load the trace)', `${load.toFixed(1)} s`, `${times(load, parse)} the floor`],
      ['  bedrock-watch backtest --json, one rule (the replay itself)', `${harness.toFixed(1)} s`, `${times(harness, parse)} the floor; ${(((harness - load) / ticks) * 1000).toFixed(2)} ms a tick`],
      [`  bedrock-watch backtest --json, rules.yml (${config.rules.length} rules)`, `${seconds.toFixed(1)} s`, `${times(seconds, parse)} the floor; ${(((seconds - load) / ticks) * 1000).toFixed(2)} ms a tick`],
    ],
    figures: {
      seconds: round(seconds, 1),
      parseSeconds: round(parse, 2),
      loadSeconds: round(load, 1),
      oneRuleSeconds: round(harness, 1),
      ticks,
      ratioToFloor: round(seconds / parse),
      oneRuleRatioToFloor: round(harness / parse),
      datapoints,
      targets: { ratioToFloor: 3, seconds: 10 },
    },
  };
}

/** A rules file of one threshold rule that never breaches: what a backtest costs besides its rules. */
const ONE_RULE = `receivers:
  - name: capture
    type: sns
    topic_arn: 'arn:aws:sns:us-east-1:123456789012:bench'
route:
  receiver: capture
rules:
  - { name: one-threshold, kind: threshold, metric: Invocations, stat: Sum, window: 5m, next_check: bench, tiers: { warning: { above: 1e12, for: 10m } } }
`;

// ── 30 days × 50 models of generated traffic ────────────────────────────────

/**
 * A team's month: 30 days of 50 generated models (from 1.5 to 240 requests a minute, background
 * errors and throttles), replayed tick by tick in process with the memory store, as `backtest`
 * does after parsing. The reference beside it is generating that traffic in memory (every
 * datapoint made once); the target is the whole replay under a minute.
 */
export async function generatedBench(config: Config, days = 30, models = 50): Promise<BenchSection> {
  const t0 = performance.now();
  const { trace } = generateWorkload({ start: '2026-10-05T00:00:00Z', days, models: manyModels(models), incidents: [], seed: 17 });
  const generateSeconds = (performance.now() - t0) / 1000;
  const datapoints = Object.values(trace.series).reduce((s, byKey) => s + Object.values(byKey).reduce((a, v) => a + v.filter((x) => x !== null).length, 0), 0);
  const t1 = performance.now();
  const r = await replay({ config, metrics: trace, store: 'memory' });
  const seconds = (performance.now() - t1) / 1000;
  return {
    title: `Replay of ${days} days × ${models} generated models in process (${datapoints.toLocaleString('en-US')} datapoints, ${r.ticks.toLocaleString('en-US')} ticks, memory store)`,
    rows: [
      ['  generating the traffic (reference)', `${generateSeconds.toFixed(1)} s`, ''],
      ['  replay, every tick', `${seconds.toFixed(1)} s`, `${(r.msPerTick).toFixed(2)} ms/tick, ${times(seconds, generateSeconds)} generating; target < 60 s`],
    ],
    figures: { days, models, datapoints, ticks: r.ticks, seconds: round(seconds, 1), msPerTick: round(r.msPerTick), generateSeconds: round(generateSeconds, 1), alerts: r.episodes.length, targets: { seconds: 60 } },
  };
}

// ── demo (npm start) ────────────────────────────────────────────────────────

async function demoBench(tmp: string): Promise<BenchSection> {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'bedrock-watch.js'), 'demo', '--out', join(tmp, 'demo')], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) return { title: 'Demo: failed', rows: [[`  ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`]], figures: {} };
  return { title: 'Demo (npm start: the real handlers through dynalite, whole command)', rows: [['  wall time', `${seconds.toFixed(1)} s`]], figures: { seconds: round(seconds, 1) } };
}

// ── ingest ──────────────────────────────────────────────────────────────────

/** The ingest function's work on one large log batch: records/second and DynamoDB writes (per bucket, not per record). */
async function ingestBench(): Promise<BenchSection> {
  const { startLocalDynamo } = require('../local/dynalite') as typeof import('../local/dynalite');
  const { ingestBatch } = require('../logs/ingest') as typeof import('../logs/ingest');
  const { dataMessage, encodeAwsLogs } = require('../logs/awslogs') as typeof import('../logs/awslogs');
  const { loadLogTrace } = require('../local/log-trace') as typeof import('../local/log-trace');
  const logsFile = join(SAMPLES, 'sample-invocations.jsonl.gz');
  if (!existsSync(logsFile)) return { title: 'Ingest: no sample invocation logs, skipped', rows: [], figures: {} };
  const logs = loadLogTrace(logsFile);
  // 10,000 records spread over 10 minutes, as one subscription batch.
  const lines = [...logs.byMinute.values()].flat().slice(0, 10_000);
  const base = Date.parse('2026-10-05T12:00:00Z');
  const batch = lines.map((l, i) => {
    const r = JSON.parse(l.message) as { timestamp: string };
    const t = base + (i % 10) * 60_000 + (i % 60) * 1000;
    r.timestamp = new Date(t).toISOString();
    return { timestamp: t, message: JSON.stringify(r) };
  });
  const event = encodeAwsLogs(dataMessage(batch));
  const dynamo = await startLocalDynamo();
  try {
    const t0 = performance.now();
    const first = await ingestBatch(dynamo.table, event, base + 11 * 60_000);
    const took = performance.now() - t0;
    const t1 = performance.now();
    const again = await ingestBatch(dynamo.table, event, base + 11 * 60_000);
    const tookAgain = performance.now() - t1;
    const rate = (n: number, t: number) => Math.round(n / (t / 1000));
    return {
      title: `Ingest of one ${Math.round(JSON.stringify(event).length / 1024)} KB subscription batch (${first.records} records, dynalite)`,
      rows: [
        ['  first delivery', `${rate(first.records, took).toLocaleString('en-US')} records/s`, `${first.writes} bucket writes for ${first.buckets} buckets`],
        ['  redelivered (idempotent)', `${rate(again.records, tookAgain).toLocaleString('en-US')} records/s`, `${again.writes} written, ${again.skipped} skipped`],
      ],
      figures: { recordsPerSecond: rate(first.records, took), writes: first.writes, buckets: first.buckets },
    };
  } finally {
    await dynamo.close();
  }
}
