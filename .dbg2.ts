import { quietWorkload } from './shared/local/quiet';
import { replay } from './shared/local/replay-run';
import { loadRulesFile } from './shared/rules/load';
import { DAY, HOUR } from './shared/core/time';
(async () => {
  const config = loadRulesFile('rules.yml');
  const s = quietWorkload(1, 'autumn', 16);
  const tr = s.workload.trace;
  const from = tr.from + 14 * DAY + 2 * HOUR + 50 * 60_000;
  await replay({ config, metrics: tr, from, to: from + 55 * 60_000, store: 'memory', onObservation: (o: any) => { if (o.rule?.name === 'bedrock-spend-rate' || o.rule === 'bedrock-spend-rate') { if ((o.model ?? o.labels?.ModelId ?? '').includes('haiku')) { if (o.observation.evaluable) console.log(new Date(o.minute).toISOString(), o.observation.value?.toFixed(2), JSON.stringify(o.observation.details)); }; } } });
})();
