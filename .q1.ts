import { quietWorkload } from '/work/wt/detect-base/shared/local/quiet';
import { replay } from '/work/wt/detect-base/shared/local/replay-run';
import { loadRulesFile } from '/work/wt/detect-base/shared/rules/load';
import { DAY } from '/work/wt/detect-base/shared/core/time';
const season = (process.argv[2] ?? 'autumn') as 'autumn' | 'spring';
const seed = Number(process.argv[3] ?? 1);
const judged = Number(process.argv[4] ?? 7);
(async () => {
  const config = loadRulesFile('/work/wt/detect-base/rules.yml');
  const s = quietWorkload(seed, season);
  const t0 = Date.now();
  const r = await replay({ config, metrics: s.workload.trace, from: s.workload.trace.to - judged * DAY, store: 'memory' });
  console.log(s.name, 'ticks', r.ticks, 'ms/tick', r.msPerTick.toFixed(2), 'wall', Date.now() - t0);
  for (const e of r.episodes) console.log(e.severity.padEnd(8), e.rule.padEnd(32), e.labels.ModelId?.padEnd(45), e.startsAt, e.endsAt, e.suppressedBy ?? '', e.text.slice(0, 150));
})();
