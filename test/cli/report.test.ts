import { renderReport, type ReportInput } from '../../shared/cli/report';
import { CHART_POINTS, type ModelCharts } from '../../shared/cli/report-charts';
import { ObservationLog } from '../../shared/local/observations';
import type { Observation } from '../../shared/engine/types';
import { slackMessage } from '../../shared/notify/slack';
import { pagerDutyEvent } from '../../shared/notify/pagerduty';
import { snsPublishInput } from '../../shared/notify/sns';
import { emptyBucket, type Bucket } from '../../shared/core/logs';
import type { Episode } from '../../shared/local/episodes';
import { parseRules } from '../../shared/rules/load';
import type { MetricTrace } from '../../shared/sources/trace';
import { sampleNotification } from '../support/notification';
import { fingerprint } from '../../shared/engine/fingerprint';

const FROM = Date.parse('2026-10-05T00:00:00Z');
const EVIL = 'evil<script>alert("x")</script>&co';

const config = parseRules(`receivers:
  - name: oncall
    type: sns
routes:
  critical: [oncall]
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`);

function input(minutes: number): ReportInput {
  const wave = Array.from({ length: minutes }, (_, i) => (i % 7 === 3 ? null : 50 + (i % 60)));
  const trace: MetricTrace = {
    from: FROM,
    to: FROM + minutes * 60_000,
    namespace: 'AWS/Bedrock',
    series: { 'amazon.nova-lite-v1:0': { 'Invocations:Sum': wave }, [EVIL]: { 'Invocations:Sum': wave } },
    skipped: 0,
  };
  const ep = (over: Partial<Episode>): Episode => ({
    rule: 'bedrock-server-errors',
    signal: 'server_errors',
    severity: 'critical',
    labels: { ModelId: 'amazon.nova-lite-v1:0' },
    startsAt: '2026-10-05T01:00:00.000Z',
    endsAt: '2026-10-05T01:30:00.000Z',
    suppressedBy: null,
    text: '9.9% (48 of 485 requests in 5 min; critical above 5.0%)',
    ...over,
  });
  return {
    config,
    trace,
    result: {
      models: Object.keys(trace.series).sort(),
      ticks: minutes,
      msPerTick: 0.5,
      episodes: [
        ep({}),
        ep({ labels: { ModelId: EVIL }, severity: 'warning', text: '<img src=x onerror=alert(1)> 12%', endsAt: null }),
        ep({ rule: 'bedrock-latency-p95', severity: 'warning', suppressedBy: 'abc', startsAt: '2026-10-05T02:00:00.000Z', endsAt: '2026-10-05T02:20:00.000Z' }),
      ],
      captured: [
        {
          receiver: 'oncall',
          type: 'sns',
          notification: sampleNotification({ receiver: 'oncall', at: '2026-10-05T01:00:00.000Z', alert: { rule: 'bedrock-server-errors', fingerprint: fingerprint('bedrock-server-errors', { ModelId: 'amazon.nova-lite-v1:0' }), startsAt: '2026-10-05T01:00:00.000Z' } }),
          payload: null,
        },
      ],
    },
    incidents: [{ kind: '<b>outage</b>', modelId: 'amazon.nova-lite-v1:0', start: '2026-10-05T00:55:00Z', minutes: 30, severity: 'critical' }],
  };
}

/** The chart data the page's script draws. */
const chartData = (html: string): { models: ModelCharts[] } =>
  JSON.parse(/<script type="application\/json" id="bw-data">([^<]*)<\/script>/.exec(html)![1]);

describe('renderReport()', () => {
  const html = renderReport(input(600));

  it('is one self-contained HTML page: scripts and styles inline, nothing fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link\b|<img\b|@import|url\(\s*['"]?https?:/i);
    expect(html).toContain('uPlot'); // the charting library, inlined
  });

  it('HTML-escapes every string from the data, in the page and in the chart data', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>outage');
    expect(html).toContain('evil&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; 12%');
    expect(html).toContain('&lt;b&gt;outage&lt;/b&gt;');
    expect(html.match(/<\/script>/g)).toHaveLength(3); // the data, uPlot and the page's script: the data cannot close its element
    expect(chartData(html).models.map((m) => m.model)).toContain(EVIL);
  });

  it('has one chart section per model, invocations first, episodes and notifications on it, zoomed to the alerts', () => {
    expect(html.match(/<section class="model"/g)).toHaveLength(2);
    const { models } = chartData(html);
    const nova = models.find((m) => m.model === 'amazon.nova-lite-v1:0')!;
    expect(nova.charts[0].title).toMatch(/^Invocations per minute/);
    expect(nova.charts[0].episodes.map((e) => [e.severity, e.suppressed])).toEqual([['critical', false], ['warning', true]]);
    expect(nova.charts[0].notes).toHaveLength(1);
    const start = Date.parse('2026-10-05T01:00:00Z') / 1000;
    expect(nova.zoom![0]).toBeLessThan(start);
    expect(nova.zoom![1] - nova.zoom![0]).toBeLessThan(600 * 60);
  });

  it('lists the alerts with tier, start, duration, value and the receivers that got them', () => {
    const table = html.slice(html.indexOf('<table class="alerts">'), html.indexOf('</table>', html.indexOf('<table class="alerts">')));
    expect(table).toContain('2026-10-05T01:00:00Z');
    expect(table).toContain('30 min');
    expect(table).toContain('still firing');
    expect(table).toMatch(/9\.9% \(48 of 485[^<]*<\/td><td>oncall<\/td>/);
  });

  it('lists notifications per receiver and scores against the incidents', () => {
    expect(html).toMatch(/<td>oncall<\/td><td>1<\/td><td>1<\/td>/);
    expect(html).toMatch(/detected<\/span> critical after 5 min/);
  });

  it('lists the messages held back by silences, inhibition and mute windows, with the reason', () => {
    const base = input(600);
    const muted = [
      { at: Date.parse('2026-10-05T02:00:00Z'), kind: 'inhibited' as const, reason: 'inhibited by bedrock-latency-p95 amazon.nova-lite-v1:0 (critical)', fingerprint: 'f1', rule: 'bedrock-time-to-first-token', labels: { ModelId: 'amazon.nova-lite-v1:0' } },
      { at: Date.parse('2026-10-05T03:00:00Z'), kind: 'time_interval' as const, reason: 'muted by time interval "nights" (route route.routes[1])', fingerprint: 'f2', rule: 'bedrock-throttles', labels: { ModelId: EVIL }, receiver: 'slack-alerts' },
    ];
    const page = renderReport({ ...base, result: { ...base.result, muted } });
    expect(page).toContain('Held back (2)');
    expect(page).toContain('<td>inhibited</td><td>bedrock-time-to-first-token</td><td>amazon.nova-lite-v1:0</td><td>all</td><td>inhibited by bedrock-latency-p95 amazon.nova-lite-v1:0 (critical)</td>');
    expect(page).toContain('<td>time interval</td><td>bedrock-throttles</td><td>evil&lt;script&gt;');
    expect(page).toContain('muted by time interval &quot;nights&quot;');
    expect(html).toContain('No notification was silenced, inhibited or muted.');
  });

  it('shows per alert the messages over time, grouped ones too, and what was held back with the reason', () => {
    const base = input(600);
    const nova = fingerprint('bedrock-server-errors', { ModelId: 'amazon.nova-lite-v1:0' });
    const evil = fingerprint('bedrock-server-errors', { ModelId: EVIL });
    const view = (fp: string, model: string, status: 'firing' | 'resolved' = 'firing') => ({ ...sampleNotification().alert, fingerprint: fp, rule: 'bedrock-server-errors', labels: { ModelId: model }, startsAt: '2026-10-05T01:00:00.000Z', status });
    // A grouped message whose headline is the other model: it still belongs to EVIL's timeline.
    const grouped = (at: string, action: 'trigger' | 'escalate' | 'resolve', receiver: string, status: 'firing' | 'resolved' = 'firing') => {
      const alerts = [view(nova, 'amazon.nova-lite-v1:0', status), view(evil, EVIL, status)];
      return { receiver, type: 'sns' as const, payload: null, notification: sampleNotification({ receiver, at, action, alerts, alert: alerts[0] }) };
    };
    const captured = [grouped('2026-10-05T01:00:30.000Z', 'trigger', 'slack-oncall'), grouped('2026-10-05T01:15:00.000Z', 'escalate', 'pagerduty-oncall'), grouped('2026-10-05T01:31:00.000Z', 'resolve', 'slack-oncall', 'resolved')];
    const muted = [{ at: Date.parse('2026-10-05T01:00:00Z'), kind: 'silenced' as const, reason: 'silenced by file-1 (backtest: upgrade <b>) until 2026-10-05T01:10:00.000Z', fingerprint: evil, rule: 'bedrock-server-errors', labels: { ModelId: EVIL } }];
    const episodes = [base.result.episodes[0], { ...base.result.episodes[1], severity: 'critical', endsAt: '2026-10-05T01:30:00.000Z' }];
    const page = renderReport({ ...base, result: { ...base.result, episodes, captured, muted } });
    const section = page.slice(page.indexOf('<h2>Per alert, over time</h2>'), page.indexOf('<h2>Models</h2>'));
    const timelines = section.split('<details class="timeline">').slice(1);
    expect(timelines).toHaveLength(2);
    const evilTimeline = timelines.find((t) => t.includes('evil&lt;script'))!;
    expect(evilTimeline).toContain('3 messages, 1 held back');
    const rows = [...evilTimeline.matchAll(/<tr( class="held")?><td class="t">([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m.slice(2).join(' | '));
    expect(rows).toEqual([
      '2026-10-05T01:00:00Z | silenced | all | silenced by file-1 (backtest: upgrade &lt;b&gt;) until 2026-10-05T01:10:00.000Z',
      '2026-10-05T01:00:30Z | trigger | slack-oncall | critical · in a group of 2 (2 firing)',
      '2026-10-05T01:15:00Z | escalate | pagerduty-oncall | critical · in a group of 2 (2 firing)',
      '2026-10-05T01:31:00Z | resolve | slack-oncall | resolved · in a group of 2 (0 firing)',
    ]);
    // Its chart marks the grouped messages too, and the alerts table names their receivers.
    const evilCharts = chartData(page).models.find((m) => m.model === EVIL)!;
    expect(evilCharts.charts[0].notes.map((n) => n.action)).toEqual(['trigger', 'escalate', 'resolve']);
    expect(page).toMatch(/12%<\/td><td>slack-oncall, pagerduty-oncall<\/td>/);
  });

  it('keeps a long trace to at most CHART_POINTS points per chart', () => {
    const big = chartData(renderReport(input(9 * 1440)));
    for (const m of big.models) for (const c of m.charts) expect(c.x.length).toBeLessThanOrEqual(CHART_POINTS);
  });
});

describe('renderReport() rule charts and message previews', () => {
  const base = input(120);
  const log = new ObservationLog();
  const rule = base.config.rules[0];
  for (let i = 0; i < 120; i++) {
    const value = i >= 60 && i < 90 ? 0.09 : 0.001;
    const observation: Observation = { evaluable: i % 10 !== 0, breach: {}, hold: {}, value, threshold: 0.05, baseline: null, text: '', details: {} };
    log.listen({ rule: rule.name, labels: { ModelId: 'amazon.nova-lite-v1:0' }, minute: FROM + i * 60_000, at: FROM + (i + 2) * 60_000, observation, state: {} as never });
  }
  const n = sampleNotification({ receiver: 'oncall' });
  const captured = [
    { receiver: 'chat', type: 'slack' as const, notification: n, payload: slackMessage(n) },
    { receiver: 'chat', type: 'slack' as const, notification: { ...n, id: 'n-2', at: '2025-06-01T12:06:00.000Z' }, payload: slackMessage(n) },
    { receiver: 'pd', type: 'pagerduty' as const, notification: n, payload: pagerDutyEvent(n, 'SECRETKEY') },
    { receiver: 'oncall', type: 'sns' as const, notification: n, payload: snsPublishInput(n, 'arn:aws:sns:us-east-1:1:t') },
  ];
  const html = renderReport({ ...base, observations: log, result: { ...base.result, captured } });

  it('charts what the rule judged, as percentages, with its tier limit; unevaluable minutes are gaps', () => {
    const nova = chartData(html).models.find((m) => m.model === 'amazon.nova-lite-v1:0')!;
    const chart = nova.charts.find((c) => c.title.startsWith('bedrock-server-errors'))!;
    expect(chart.unit).toBe('%');
    const value = chart.series.find((s) => s.role === 'value')!.values;
    expect(value[0]).toBeNull();
    expect(value[61]).toBeCloseTo(9);
    expect(chart.series.find((s) => s.role === 'limit')).toMatchObject({ tier: 'critical', label: 'critical limit (above 5.0% for 5 min)' });
    expect(chart.series.find((s) => s.role === 'limit')!.values[5]).toBeCloseTo(5);
  });

  it('previews one of each distinct message, rendered from the payload, and never shows a secret', () => {
    expect(html.match(/<details class="preview"/g)).toHaveLength(3);
    expect(html).toContain('<div class="sl-h">🚨 CRITICAL · amazon.nova-lite-v1:0</div>');
    expect(html).toContain('<b>Next check:</b>');
    expect(html).toContain('<th>payload.summary</th><td>CRITICAL: Server-error rate 9.1% on amazon.nova-lite-v1:0: 9.1%</td>');
    expect(html).not.toContain('SECRETKEY');
    expect(html).toContain('<b>Subject:</b> [CRITICAL] Server-error rate 9.1% on amazon.nova-lite-v1:0');
  });
});

describe('renderReport() with invocation logs', () => {
  it('lists the top spenders by caller, priced, heaviest first, escaped', () => {
    const bucket = (modelId: string, callers: Bucket['callers']): Bucket => ({ ...emptyBucket(modelId, FROM), callers });
    const html = renderReport({
      ...input(60),
      logBuckets: [
        bucket('anthropic.claude-3-5-sonnet-20240620-v1:0', { 'arn:aws:iam::1:role/<b>batch</b>': { requests: 10, inputTokens: 100_000, outputTokens: 20_000 } }),
        bucket('amazon.nova-lite-v1:0', { 'arn:aws:iam::1:role/chat': { requests: 500, inputTokens: 100_000, outputTokens: 20_000 } }),
        bucket('acme.unpriced-v1', { 'arn:aws:iam::1:role/x': { requests: 1, inputTokens: 1, outputTokens: 1 } }),
      ],
    });
    const table = html.slice(html.indexOf('Top spenders by caller'));
    expect(table).toContain('&lt;b&gt;batch&lt;/b&gt;');
    expect(table).not.toContain('<b>batch</b>');
    expect(table).toContain('$0.60'); // 100k × $3/M + 20k × $15/M
    expect(table.indexOf('batch')).toBeLessThan(table.indexOf('role/chat'));
    expect(table).toContain('no price');
  });
});

describe('renderReport(): the model-unavailable chart', () => {
  it('reads in minutes of silence, with the tier limit at min_gap', () => {
    const shipped = require('../../shared/rules/load').loadRulesFile(`${__dirname}/../../rules.yml`) as ReportInput['config'];
    const absent = shipped.rules.find((r) => r.kind === 'absent')!;
    const base = input(60);
    const log = new ObservationLog();
    for (let i = 0; i < 60; i++) {
      const gap = i >= 30 && i < 40 ? i - 29 : 0;
      const observation: Observation = { evaluable: true, breach: {}, hold: {}, value: gap, threshold: 30, baseline: 4, text: '', details: {} };
      log.listen({ rule: absent.name, labels: { ModelId: 'amazon.nova-lite-v1:0' }, minute: FROM + i * 60_000, at: FROM + (i + 2) * 60_000, observation, state: {} as never });
    }
    const html = renderReport({ ...base, config: { ...base.config, rules: [absent] }, observations: log });
    const chart = chartData(html).models.find((m) => m.model === 'amazon.nova-lite-v1:0')!.charts.find((c) => c.title.startsWith(absent.name))!;
    expect(chart.unit).toBe('min silent');
    const limit = chart.series.find((s) => s.role === 'limit')!;
    expect(limit).toMatchObject({ tier: 'critical', label: 'critical limit (silent 3 min and 30 requests expected)' });
    expect(limit.values[0]).toBe(3);
    expect(chart.series.find((s) => s.role === 'value')!.values[35]).toBe(6);
  });

  it('keeps the alerts table within the page: fixed layout, widths given, long values wrap', () => {
    const html = renderReport(input(60));
    expect(html).toContain('table.alerts{table-layout:fixed}');
  });
});
