/** The digest as a Slack message (Block Kit, within its limits) and as plain text (SNS). */
import { pct, usd } from '../core/format';
import type { Digest } from '../core/digest';

const change = (c: number | null) => (c === null ? '' : ` (${c >= 0 ? '+' : ''}${pct(c)} vs baseline)`);

export function digestLines(d: Digest): { title: string; sections: { heading: string; lines: string[] }[] } {
  const sections = [
    {
      heading: 'Spend by model',
      lines: d.models.map((m) => `${m.model}: ${m.cost === null ? 'no price' : usd(m.cost)}${change(m.change)}, ${Math.round(m.requests)} requests`),
    },
    { heading: 'Alerts', lines: d.alerts.length ? d.alerts.map((a) => `${a.tier.toUpperCase()} ${a.rule}${a.model ? ` on ${a.model}` : ''} at ${a.startsAt.slice(11, 16)}Z${a.endsAt ? `–${a.endsAt.slice(11, 16)}Z` : ' (still firing)'}: ${a.text}`) : ['none'] },
    { heading: 'Top callers', lines: d.callers.length ? d.callers.map((c) => `${c.caller} on ${c.modelId}: ${c.cost === null ? 'no price' : usd(c.cost)}, ${c.requests} requests`) : ['no invocation logs'] },
  ];
  if (d.budgets.length) sections.push({ heading: 'Budgets', lines: d.budgets.map((b) => `${b.name}: ${usd(b.spent)} of ${usd(b.budget)} (${pct(b.spent / b.budget)})${b.forecast !== null ? `, forecast ${usd(b.forecast)}` : ''}`) });
  if (d.unpriced.length) sections.push({ heading: 'No price (add under pricing: in rules.yml)', lines: d.unpriced });
  const total = `${usd(d.totalCost)}${d.totalExpected ? change(d.totalCost / d.totalExpected - 1) : ''}`;
  return { title: `Bedrock daily digest ${d.day}: ${total}`, sections };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function digestSlack(d: Digest): { text: string; blocks: object[] } {
  const { title, sections } = digestLines(d);
  const blocks: object[] = [{ type: 'header', text: { type: 'plain_text', text: clip(title, 150), emoji: true } }];
  for (const s of sections) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*${esc(s.heading)}*\n${s.lines.map((l) => `• ${esc(l)}`).join('\n')}`, 3000) } });
  return { text: clip(title, 3000), blocks: blocks.slice(0, 50) };
}

export function digestText(d: Digest): string {
  const { title, sections } = digestLines(d);
  return [title, ...sections.flatMap((s) => ['', s.heading, ...s.lines.map((l) => `- ${l}`)])].join('\n');
}
