/**
 * GetMetricData metrics a tick, and those of per-model error-count reads, with and without the
 * account-wide bound (engine/cadence countTargetsToRead), replayed through the real tick:
 *   npx tsx scripts/count-reads.ts sample   # the bundled sample, 2 days
 *   npx tsx scripts/count-reads.ts 20       # the bench's generated workload of N models, 1 day
 * "without the bound" is a replay that records observations, which reads every model's counts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay } from '../shared/local/replay-run';
import { generateWorkload } from '../shared/local/generate';
import { manyModels } from '../shared/cli/bench';
import { parseRules } from '../shared/rules/load';
import { loadMetricTrace, type MetricTrace } from '../shared/sources/trace';
import { ReplaySource } from '../shared/sources/replay';
import { SENTINEL_SERIES } from '../shared/engine/cadence';
import { DAY } from '../shared/core/time';

const root = join(__dirname, '..');
let perModel = 0;
const fetch = ReplaySource.prototype.fetch;
ReplaySource.prototype.fetch = async function (this: ReplaySource, req) {
  const frame = await fetch.call(this, req);
  // From the request and its answer (reads run concurrently), as the source bills them.
  if (req.keys.every((k) => SENTINEL_SERIES.has(k))) perModel += (req.models?.length ?? Object.keys(frame.models).length) * req.keys.length;
  return frame;
};

async function main(which: string) {
  const config = parseRules(readFileSync(join(root, 'rules.yml'), 'utf8'));
  let trace: MetricTrace;
  let from: number;
  let to: number;
  if (which === 'sample') {
    trace = loadMetricTrace(join(root, 'events', 'traces', 'sample-metrics.jsonl.gz'));
    from = trace.to - 2 * DAY;
    to = trace.to;
  } else {
    trace = generateWorkload({ start: '2026-11-02T00:00:00Z', days: 2, models: manyModels(Number(which)), incidents: [], seed: 11 }).trace;
    from = trace.from + DAY;
    to = from + DAY;
  }
  for (const bound of [true, false]) {
    perModel = 0;
    const r = await replay({ config, metrics: trace, from, to, store: 'memory', ...(bound ? {} : { onObservation: () => {} }) });
    console.log(`${which} ${bound ? 'with the bound   ' : 'without the bound'}: ${(r.evaluateMetrics / r.ticks).toFixed(2)} metrics a tick, ${(perModel / r.ticks).toFixed(2)} of them per-model error counts (${r.ticks} ticks)`);
  }
}

main(process.argv[2] ?? 'sample').catch((e) => {
  console.error(e);
  process.exit(1);
});
