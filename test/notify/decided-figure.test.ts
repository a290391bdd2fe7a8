/**
 * Issue 18 (messages): every message states the figure that decided the tier it names, never a
 * value below the limit it claims was crossed. A step to 7% server errors decides critical on its
 * third minute from the evidence (7% over 3 minutes) while the 5-minute window still reads 4.2%:
 * the message used to read "4.2% (…; critical above 5.0%)". Replayed in memory with the shipped
 * rules.yml and the real handler; `explain` says the same in the words of the rules reference.
 */
import { join } from 'node:path';
import { explainRule } from '../../shared/cli/explain';
import type { Judged } from '../../shared/engine/evaluate';
import { replay } from '../../shared/local/replay-run';
import { loadRulesFile } from '../../shared/rules/load';
import { parseMetricLines } from '../../shared/sources/trace';

const FROM = Date.parse('2026-10-05T12:00:00Z');
const MODEL = 'amazon.nova-lite-v1:0';

function stepTrace(errorsPerThousand: number) {
  const lines: string[] = [];
  for (let m = 0; m < 120; m++) {
    const t = FROM + m * 60_000;
    const point = (metric: string, value: number) => JSON.stringify({ timestamp: new Date(t).toISOString(), namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: MODEL }, stat: 'Sum', period: 60, value });
    lines.push(point('Invocations', 1000), point('InvocationServerErrors', m >= 60 && m < 90 ? errorsPerThousand : 0));
  }
  return parseMetricLines(lines);
}

/** "7.0% over … (…; critical above 5.0%)" → [7.0, 'critical', 5.0]: the leading figure and the limit it names. */
const figures = (text: string): [number, string, number] | null => {
  const m = /^(\d+(?:\.\d+)?)%.*?\b(info|warning|critical) above (\d+(?:\.\d+)?)%/.exec(text);
  return m ? [Number(m[1]), m[2], Number(m[3])] : null;
};

describe('messages state the figure that decided the tier', () => {
  const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
  const rule = config.rules.find((r) => r.name === 'bedrock-server-errors')!;

  it('no firing message names a limit above its own leading figure; the critical trigger leads with the evidence', async () => {
    const judged: Judged[] = [];
    const result = await replay({ config, metrics: stepTrace(70), store: 'memory', onObservation: (j) => j.rule === rule.name && judged.push(j) });
    const firing = result.captured.map((c) => c.notification).filter((n) => n.action !== 'resolve');
    expect(firing.length).toBeGreaterThan(0);
    for (const n of firing) {
      for (const a of n.alerts.filter((x) => x.status === 'firing')) {
        const f = figures(a.valueText);
        if (!f) continue;
        expect([a.valueText, f[0] > f[2]]).toEqual([a.valueText, true]);
      }
    }
    const critical = firing.find((n) => n.alert.tier === 'critical')!;
    expect(critical.alert.valueText).toBe('7.0% over the last 3 min (210 of 3000 requests; critical above 5.0%); 4.2% over the last 5 min');

    // explain at the decision: the same words, and no internal field names.
    const at = Date.parse(critical.at);
    const lines = explainRule(rule, judged.filter((j) => j.labels.ModelId === MODEL), at, result).join('\n');
    expect(lines).toContain('saw (data minute 13:02): 7.0% over the last 3 min (210 of 3000 requests; critical above 5.0%)');
    expect(lines).not.toMatch(/rate_lower_bound|_evidence_minutes|window_minutes/);
    expect(lines).toContain('critical: evidence from the last 3 min');
  }, 120_000);
});
