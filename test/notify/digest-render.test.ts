/**
 * shared/notify/digest-render.ts on its own: every line of the daily digest as Slack and SNS show it
 * (test/digest/digest.test.ts builds real digests end to end; this pins the wording and the limits).
 */
import type { Digest } from '../../shared/core/digest';
import { digestLines, digestSlack, digestText } from '../../shared/notify/digest-render';
import { slackBlocksProblem } from '../support/receivers';

const FULL: Digest = {
  day: '2026-10-20',
  models: [
    { model: 'sonnet', requests: 240.4, cost: 0.162, expectedCost: 0.108, change: 0.5 },
    { model: 'nova', requests: 480, cost: 123.4, expectedCost: 140, change: 0.1186 },
    { model: 'unpriced', requests: 120.6, cost: null, expectedCost: null, change: null },
    { model: 'flat', requests: 10, cost: 1, expectedCost: 1, change: 0 },
  ],
  totalCost: 124.6,
  totalExpected: 100,
  unpriced: ['unpriced'],
  alerts: [
    { rule: 'errors', model: 'sonnet', tier: 'critical', startsAt: '2026-10-20T10:00:00.000Z', endsAt: '2026-10-20T10:40:00.000Z', text: '9.1% of 512' },
    { rule: 'budget', model: null, tier: 'info', startsAt: '2026-10-19T15:05:00.000Z', endsAt: null, text: '$5200 of $10000' },
  ],
  callers: [
    { caller: 'role/chat', modelId: 'sonnet', cost: 0.09, requests: 200, tokens: 22_000 },
    { caller: 'role/x', modelId: 'unpriced', cost: null, requests: 5, tokens: 10 },
  ],
  budgets: [
    { name: 'monthly', spent: 5200, budget: 10000, forecast: 9800 },
    { name: 'team', spent: 5, budget: 100, forecast: null },
  ],
};
const EMPTY: Digest = { day: '2026-10-21', models: [], totalCost: 0, totalExpected: null, unpriced: [], alerts: [], callers: [], budgets: [] };

describe('digestLines', () => {
  it('every section of a full day', () => {
    expect(digestLines(FULL)).toEqual({
      title: 'Bedrock daily digest 2026-10-20: $125 (+25% vs baseline)',
      sections: [
        {
          heading: 'Spend by model',
          lines: ['sonnet: $0.16 (+50% vs baseline), 240 requests', 'nova: $123 (+12% vs baseline), 480 requests', 'unpriced: no price, 121 requests', 'flat: $1.00 (+0.00% vs baseline), 10 requests'],
        },
        { heading: 'Alerts', lines: ['CRITICAL errors on sonnet at 10:00Z–10:40Z: 9.1% of 512', 'INFO budget at 15:05Z (still firing): $5200 of $10000'] },
        { heading: 'Top callers', lines: ['role/chat on sonnet: $0.09, 200 requests', 'role/x on unpriced: no price, 5 requests'] },
        { heading: 'Budgets', lines: ['monthly: $5200 of $10000 (52%), forecast $9800', 'team: $5.00 of $100 (5.0%)'] },
        { heading: 'No price (add under pricing: in rules.yml)', lines: ['unpriced'] },
      ],
    });
  });

  it('an empty day: placeholders, no budget or price sections, no comparison without an expectation', () => {
    expect(digestLines(EMPTY)).toEqual({
      title: 'Bedrock daily digest 2026-10-21: $0.00',
      sections: [
        { heading: 'Spend by model', lines: [] },
        { heading: 'Alerts', lines: ['none'] },
        { heading: 'Top callers', lines: ['no invocation logs'] },
      ],
    });
    // An expectation of zero cannot be compared against either.
    expect(digestLines({ ...EMPTY, totalCost: 3, totalExpected: 0 }).title).toBe('Bedrock daily digest 2026-10-21: $3.00');
    expect(digestLines({ ...EMPTY, totalCost: 150, totalExpected: 100 }).title).toBe('Bedrock daily digest 2026-10-21: $150 (+50% vs baseline)');
    // Below the baseline: no plus sign.
    expect(digestLines({ ...EMPTY, totalCost: 50, totalExpected: 100 }).title).toMatch(/^Bedrock daily digest 2026-10-21: \$50\.00 \(-50[.0]*% vs baseline\)$/);
  });
});

describe('digestText (SNS)', () => {
  it('the title, then each heading after a blank line with its lines as a list', () => {
    expect(digestText(EMPTY)).toBe(['Bedrock daily digest 2026-10-21: $0.00', '', 'Spend by model', '', 'Alerts', '- none', '', 'Top callers', '- no invocation logs'].join('\n'));
  });
});

describe('digestSlack', () => {
  it('a header with the title, a section per heading with bullets, escaped', () => {
    const d: Digest = { ...EMPTY, unpriced: ['a<b>&c'] };
    expect(digestSlack(d)).toEqual({
      text: 'Bedrock daily digest 2026-10-21: $0.00',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Bedrock daily digest 2026-10-21: $0.00', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Spend by model*\n' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Alerts*\n• none' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Top callers*\n• no invocation logs' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*No price (add under pricing: in rules.yml)*\n• a&lt;b&gt;&amp;c' } },
      ],
    });
  });

  it('a section with several lines: one bullet per line', () => {
    const d: Digest = { ...EMPTY, unpriced: ['a', 'b'] };
    const m = digestSlack(d) as { blocks: { text: { text: string } }[] };
    expect(m.blocks.at(-1)!.text.text).toBe('*No price (add under pricing: in rules.yml)*\n• a\n• b');
  });

  it('long titles and sections are cut with an ellipsis at the Block Kit limits', () => {
    const d: Digest = { ...EMPTY, day: 'd'.repeat(200), unpriced: Array.from({ length: 400 }, (_, i) => `model-${i}-${'x'.repeat(20)}`) };
    const m = digestSlack(d) as { text: string; blocks: { type: string; text: { text: string } }[] };
    expect(m.blocks[0].text.text).toHaveLength(150);
    expect(m.blocks[0].text.text.endsWith('d…')).toBe(true);
    expect(m.text).toBe(digestLines(d).title);
    const last = m.blocks.at(-1)!.text.text;
    expect(last).toHaveLength(3000);
    expect(last.endsWith('…')).toBe(true);
    expect(slackBlocksProblem(m.blocks)).toBeUndefined();
    // Exactly at the limit: not cut.
    const exact = { ...EMPTY, day: 'd'.repeat(150 - 'Bedrock daily digest : $0.00'.length) };
    expect((digestSlack(exact) as typeof m).blocks[0].text.text).toBe(digestLines(exact).title);
    const longText = { ...EMPTY, day: 'd'.repeat(3100) };
    expect((digestSlack(longText) as typeof m).text).toHaveLength(3000);
  });
});
