import { quietWorkload } from './shared/local/quiet';
import { DAY, HOUR, MINUTE } from './shared/core/time';
const s = quietWorkload(1, 'autumn', 16);
const tr = s.workload.trace;
const m = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const inp = tr.series[m]['InputTokenCount:Sum'];
const inv = tr.series[m]['Invocations:Sum'];
for (const d of [13, 14]) {
  const row: string[] = [];
  for (let h = 0; h < 6; h++) {
    let sum = 0, n = 0;
    for (let k = 0; k < 60; k++) { const i = (d * 1440 + h * 60 + k); sum += inp[i] ?? 0; n += inv[i] ?? 0; }
    row.push(`${h}:${(sum / 1e6).toFixed(1)}M/${n}`);
  }
  console.log(new Date(tr.from + d * DAY).toISOString(), row.join(' '));
}
// minutes 02:30..03:45 on day 14
const d = 14; const row: string[] = [];
for (let k = 150; k < 225; k += 5) row.push(`${Math.floor(k/60)}:${k%60} ${inv[d*1440+k]}`);
console.log(row.join(' | '));
import { buildExpectations } from './shared/baselines/expectations';
import { record } from './shared/baselines/history';
import { Pricing } from './shared/pricing/pricing';
import type { History } from './shared/core/baseline';
const asOf = tr.from + 14 * DAY + 3 * HOUR;
const hist: Record<string, History> = {};
for (const key of ['Invocations:Sum', 'InputTokenCount:Sum', 'OutputTokenCount:Sum']) {
  let h: History | undefined;
  for (let t = tr.from; t < asOf; t += HOUR) { let sum = 0; const i0 = (t - tr.from) / MINUTE; for (let k = 0; k < 60; k++) sum += tr.series[m][key][i0 + k] ?? 0; h = record(h, t, sum); }
  hist[key] = h!;
}
const e = buildExpectations(m, hist, asOf, 'UTC', new Pricing());
const s2 = e.series['Invocations:Sum'];
console.log('asOf', new Date(asOf).toISOString(), 'basis', s2.basis?.slice(20, 32), 'vals', s2.values.slice(20, 30), s2.basis?.slice(18,30), 'spread', s2.spread);
