import { renderReport, downsample, MAX_POINTS, type ReportInput } from '../../shared/cli/report';
import { emptyBucket, type Bucket } from '../../shared/core/logs';
import type { Episode } from '../../shared/local/episodes';
import { parseRules } from '../../shared/rules/load';
import type { MetricTrace } from '../../shared/sources/trace';
import { sampleNotification } from '../support/notification';

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
      critical: { above: 5% }
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
      captured: [{ receiver: 'oncall', type: 'sns', notification: sampleNotification({ receiver: 'oncall' }), payload: null }],
    },
    incidents: [{ kind: '<b>outage</b>', modelId: 'amazon.nova-lite-v1:0', start: '2026-10-05T00:55:00Z', minutes: 30, severity: 'critical' }],
  };
}

describe('renderReport()', () => {
  const html = renderReport(input(600));

  it('is one self-contained HTML page: no scripts, no external assets', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b|<[a-z]+[^>]*\ssrc=|@import|url\(http/i);
  });

  it('HTML-escapes every string from the data', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>outage');
    expect(html).toContain('evil&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; 12%');
    expect(html).toContain('&lt;b&gt;outage&lt;/b&gt;');
  });

  it('draws one SVG timeline per model', () => {
    expect(html.match(/<svg\b/g)).toHaveLength(2);
  });

  it('shows episodes as bands coloured by severity, suppressed ones hatched, and incidents as markers', () => {
    expect(html).toMatch(/<rect [^>]*fill="#d62728"/); // critical
    expect(html).toMatch(/<rect [^>]*fill="#f0a500"/); // warning
    expect(html).toMatch(/<rect [^>]*fill="url\(#hatch-\d\)"/); // suppressed
    expect(html).toMatch(/<g class="incident"><title>incident &lt;b&gt;outage/);
    expect(html).toContain('2026-10-05T01:00:00Z');
    expect(html).toContain('30 min');
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

  it('keeps a long trace to at most 1,500 points per timeline', () => {
    const big = renderReport(input(9 * 1440));
    const paths = [...big.matchAll(/<path d="(M[^"]*)" fill="none"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(2);
    for (const d of paths) expect((d.match(/[ML]/g) ?? []).length).toBeLessThanOrEqual(MAX_POINTS);
  });
});

describe('downsample()', () => {
  it('averages buckets, ignores gaps, and keeps all-empty buckets empty', () => {
    expect(downsample([1, 3, null, null, 5, null], 3)).toEqual({ step: 2, points: [2, null, 5] });
    expect(downsample([1, 2], 10)).toEqual({ step: 1, points: [1, 2] });
    expect(downsample(new Array(12_960).fill(1)).points.length).toBeLessThanOrEqual(MAX_POINTS);
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
