/**
 * What a person reads for an alert (shared/route/view.ts): title, summary, the text of a resolve,
 * since when, when it ended, next check and runbook, with and without the rule at hand.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { signalOf } from '../../shared/engine/signal';
import type { AlertState } from '../../shared/core/alert';
import { parseRules } from '../../shared/rules/load';
import { alertView, runbookUrl } from '../../shared/route/view';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const iso = (t: number) => new Date(t).toISOString();

const config = parseRules(`
rules:
  - name: bedrock-throttles
    kind: ratio
    description: Throttling
    numerator: InvocationThrottles
    denominator: [Invocations, InvocationThrottles]
    next_check: Compare with the quota.
    runbook: docs/runbooks.md#bedrock-throttles
    tiers: { warning: { above: 1% }, critical: { above: 10% } }
  - name: bedrock-latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    next_check: Look at OutputTokenCount.
    tiers: { critical: { above: 10s } }
`);
const throttles = config.rules[0];
const latency = config.rules[1];

function alert(rule = throttles, over: Partial<AlertState> = {}, labels: Record<string, string> = { ModelId: SONNET }): AlertState {
  return {
    ...initialState(fingerprint(rule.name, labels), rule, signalOf(rule), labels),
    status: 'firing',
    tier: 'critical',
    maxTier: 'critical',
    startsAt: NOW,
    conditionSince: NOW - 8 * MIN,
    text: 'now 3%',
    headline: 'peak 12%',
    ...over,
  };
}

describe('runbookUrl', () => {
  const BASE = 'https://github.com/acme/bedrock-watch/blob/main';
  it.each([
    ['no link: none', undefined, BASE, undefined],
    ['an empty link: none', '', BASE, undefined],
    ['an absolute https link: as it is', 'https://wiki.example.com/runbook#x', BASE, 'https://wiki.example.com/runbook#x'],
    ['an absolute http link: as it is', 'http://wiki.example.com/runbook', BASE, 'http://wiki.example.com/runbook'],
    ['an absolute link without a path: as written (not normalised)', 'https://wiki.example.com', BASE, 'https://wiki.example.com'],
    ['an absolute http link without a path: as written', 'http://wiki.example.com', BASE, 'http://wiki.example.com'],
    ['a relative link without a base: as it is', 'docs/runbooks.md#x', undefined, 'docs/runbooks.md#x'],
    ['a relative link: under the base, which gets its slash', 'docs/runbooks.md#x', BASE, `${BASE}/docs/runbooks.md#x`],
    ['a link from the root of the repository: under the base too', '/docs/runbooks.md#x', BASE, `${BASE}/docs/runbooks.md#x`],
    ['a ./ link: under the base', './docs/runbooks.md#x', `${BASE}/`, `${BASE}/docs/runbooks.md#x`],
    ['a relative link naming a URL inside: under the base', 'notes/http://x', `${BASE}/`, `${BASE}/notes/http://x`],
    ['a base that is no URL: the link as it is', 'docs/runbooks.md', 'not a url', 'docs/runbooks.md'],
  ])('%s', (_case, link, base, want) => {
    expect(runbookUrl(link, base)).toBe(want);
  });
});

describe('alertView', () => {
  it('titles an alert by its rule’s description, else its signal, else "Alert"', () => {
    expect(alertView(alert(), throttles, 'critical', false).title).toBe('Throttling');
    expect(alertView(alert(latency), latency, 'critical', false).title).toBe('Latency');
    expect(alertView(alert(latency), undefined, 'critical', false).title).toBe('Latency');
    expect(alertView(alert(latency, { signal: 'something-new' }), latency, 'critical', false).title).toBe('Alert');
  });

  it('without its rule (deleted from rules.yml), still reads: default next check, no runbook', () => {
    const v = alertView(alert(), undefined, 'critical', false);
    expect(v.nextCheck).toBe('Open the Bedrock CloudWatch dashboard for this model.');
    expect(v.runbook).toBeUndefined();
    expect(alertView(alert(), throttles, 'critical', false, { runbookBase: 'https://x.example/' }).runbook).toBe('https://x.example/docs/runbooks.md#bedrock-throttles');
  });

  it('firing: the text now, no end, no resolve reason even if stale details name one', () => {
    const v = alertView(alert(throttles, { endsAt: NOW - 60 * MIN, details: { resolved_because: 'no data' } }), throttles, 'critical', false);
    expect(v.status).toBe('firing');
    expect(v.valueText).toBe('now 3%');
    expect(v.summary).toBe(`Throttling on ${SONNET}: now 3%`);
    expect(v.endsAt).toBeNull();
    expect(v).not.toHaveProperty('resolveReason');
  });

  it('resolved: what the episode was about (its headline, else its text), when it ended', () => {
    const s = alert(throttles, { status: 'inactive', tier: null, endsAt: NOW + 30 * MIN });
    const v = alertView(s, throttles, 'critical', true);
    expect(v.status).toBe('resolved');
    expect(v.valueText).toBe('peak 12%');
    expect(v.summary).toBe(`Resolved: Throttling on ${SONNET}: peak 12%`);
    expect(v.endsAt).toBe(iso(NOW + 30 * MIN));
    expect(alertView({ ...s, headline: '' }, throttles, 'critical', true).valueText).toBe('now 3%');
    expect(alertView({ ...s, endsAt: null }, throttles, 'critical', true).endsAt).toBeNull();
  });

  it('names a resolve for lack of data only when the reason is text', () => {
    const s = alert(throttles, { status: 'inactive', tier: null, endsAt: NOW + 30 * MIN, details: { resolved_because: 42 } });
    const v = alertView(s, throttles, 'critical', true);
    expect(v).not.toHaveProperty('resolveReason');
    expect(v.summary).toMatch(/^Resolved: Throttling/);
  });

  it('names no model when the alert has none', () => {
    const v = alertView(alert(throttles, {}, { caller: 'batch' }), throttles, 'critical', false);
    expect(v.summary).toBe('Throttling: now 3%');
  });

  it('says since when the condition held, never later than the episode started', () => {
    expect(alertView(alert(), throttles, 'critical', false).since).toBe(iso(NOW - 8 * MIN));
    expect(alertView(alert(throttles, { conditionSince: NOW + 2 * MIN }), throttles, 'critical', false).since).toBe(iso(NOW));
    expect(alertView(alert(throttles, { conditionSince: NOW + 2 * MIN, startsAt: null }), throttles, 'critical', false).since).toBe(iso(NOW + 2 * MIN));
    expect(alertView(alert(throttles, { conditionSince: null }), throttles, 'critical', false).since).toBe(iso(NOW));
  });
});
