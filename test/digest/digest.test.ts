import { buildExpectations } from '../../shared/baselines/expectations';
import type { ModelHistories } from '../../shared/core/baseline';
import { buildDigest, type DigestInput } from '../../shared/digest/build';
import { type CallerSpend, type Digest } from '../../shared/core/digest';
import { digestLines, digestSlack, digestText } from '../../shared/notify/digest-render';
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { signalOf } from '../../shared/engine/signal';
import type { AlertState } from '../../shared/core/alert';
import { CaptureNotifiers } from '../../shared/local/capture';
import { Pricing } from '../../shared/pricing/pricing';
import { runDigest, type DigestDeps } from '../../shared/run/digest';
import type { NotifierLookup } from '../../shared/run/deliver-outbox';
import { MemoryBaselineStore } from '../../shared/state/baselines';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { DAY, HOUR, historyOf } from '../support/baseline-fixtures';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { lambdaContext, scheduledEvent, silentLogger } from '../support/lambda';
import { createDigestHandler } from '../../functions/digest';
import { configOf } from '../support/frame';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0'; // $0.003 in, $0.015 out per 1k
const NOVA = 'amazon.nova-lite-v1:0'; // $0.00006 in, $0.00024 out per 1k
const UNPRICED = 'acme.unknown-model-v1:0';
const IDLE = 'meta.llama3-1-70b-instruct-v1:0';
const INV = 'Invocations:Sum';
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';

/** The digest's day: Tuesday 2026-10-20 (UTC); history from Tuesday 2026-10-06. */
const FROM = Date.parse('2026-10-20T00:00:00Z');
const TO = FROM + DAY;
const START = FROM - 14 * DAY;
const HOURS = (TO - START) / HOUR;
const yesterday = (i: number) => START + i * HOUR >= FROM;

/** Per hour: requests, input tokens, output tokens; `busy` multiplies the digest's day. */
function model(requests: number, input: number, output: number, busy = 1): ModelHistories {
  const f = (v: number) => (i: number) => v * (yesterday(i) ? busy : 1);
  return { [INV]: historyOf(START, HOURS, f(requests)), [IN]: historyOf(START, HOURS, f(input)), [OUT]: historyOf(START, HOURS, f(output)) };
}

const HISTORIES: Record<string, ModelHistories> = {
  [SONNET]: model(10, 1000, 100, 1.5), // +50% yesterday
  [NOVA]: model(20, 2000, 200),
  [UNPRICED]: model(5, 500, 50),
  [IDLE]: model(0, 0, 0),
};
const SONNET_DAY = (24 * (1000 * 0.003 + 100 * 0.015)) / 1000; // $0.108 normally
const NOVA_DAY = (24 * (2000 * 0.00006 + 200 * 0.00024)) / 1000;

const ruleFor = configOf([{ name: 'x', kind: 'absent', next_check: 'x', tiers: { critical: {} } }]).rules[0];
function alert(rule: string, labels: Record<string, string>, over: Partial<AlertState>): AlertState {
  return { ...initialState(fingerprint(rule, labels), ruleFor, signalOf(ruleFor), labels), rule, ...over };
}
const at = (iso: string) => Date.parse(iso);

const ALERTS: AlertState[] = [
  alert('bedrock-server-errors', { ModelId: SONNET }, {
    status: 'inactive',
    maxTier: 'critical',
    startsAt: at('2026-10-20T10:00:00Z'),
    endsAt: at('2026-10-20T10:40:00Z'),
    headline: '9.1% of 512 requests (critical above 5%)',
    text: '0.2% of 498 requests (critical above 5%)',
  }),
  alert('bedrock-time-to-first-token', { ModelId: SONNET }, { status: 'inactive', maxTier: 'warning', startsAt: at('2026-10-20T10:05:00Z'), endsAt: at('2026-10-20T10:30:00Z'), suppressedBy: 'abc', headline: 'muted' }),
  alert('bedrock-throttles', { ModelId: NOVA }, { status: 'inactive', maxTier: 'warning', startsAt: at('2026-10-18T09:00:00Z'), endsAt: at('2026-10-18T09:30:00Z'), headline: 'two days ago' }),
  alert('bedrock-monthly-budget', { budget: 'bedrock-monthly-budget' }, { status: 'firing', tier: 'info', maxTier: 'info', startsAt: at('2026-10-19T15:00:00Z'), endsAt: null, headline: '$5200 of the $10000 monthly budget spent (52%)' }),
  alert('bedrock-latency-p95', { ModelId: NOVA }, { status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: at('2026-10-21T02:00:00Z'), endsAt: null, headline: 'today, not yesterday' }),
];

const role = (n: string) => `arn:aws:iam::123456789012:role/${n}`;
const CALLERS: CallerSpend[] = [
  { modelId: SONNET, caller: role('chat'), requests: 200, inputTokens: 20_000, outputTokens: 2_000 }, // $0.09
  { modelId: SONNET, caller: role('batch'), requests: 40, inputTokens: 100_000, outputTokens: 10_000 }, // $0.45
  { modelId: NOVA, caller: role('search'), requests: 480, inputTokens: 48_000, outputTokens: 4_800 }, // $0.004
  { modelId: SONNET, caller: role('eval'), requests: 10, inputTokens: 5_000, outputTokens: 500 }, // $0.0225
  { modelId: SONNET, caller: role('probe'), requests: 1, inputTokens: 100, outputTokens: 10 }, // $0.00045
  { modelId: UNPRICED, caller: role('lab'), requests: 120, inputTokens: 9_000_000, outputTokens: 900_000 }, // no price
  { modelId: NOVA, caller: role('tiny'), requests: 1, inputTokens: 10, outputTokens: 1 },
];

const input = (over: Partial<DigestInput> = {}): DigestInput => ({
  day: '2026-10-20',
  from: FROM,
  to: TO,
  tz: 'UTC',
  histories: HISTORIES,
  pricing: new Pricing(),
  alerts: ALERTS,
  callers: CALLERS,
  budgets: [{ name: 'bedrock-monthly-budget', spent: 5200, budget: 10_000, forecast: 9800 }],
  ...over,
});

describe('buildDigest', () => {
  const d = buildDigest(input());

  it('reports spend per model against what the baseline expected, biggest spender first; idle models are left out', () => {
    expect(d.models.map((m) => m.model)).toEqual([SONNET, NOVA, UNPRICED]);
    const [sonnet, nova, unpriced] = d.models;
    expect(sonnet.requests).toBe(24 * 15);
    expect(sonnet.cost).toBeCloseTo(SONNET_DAY * 1.5, 9);
    expect(sonnet.expectedCost).toBeCloseTo(SONNET_DAY, 9);
    expect(sonnet.change).toBeCloseTo(0.5, 9);
    expect(nova.cost).toBeCloseTo(NOVA_DAY, 12);
    expect(nova.change).toBeCloseTo(0, 9);
    expect(unpriced).toMatchObject({ cost: null, expectedCost: null, change: null, requests: 120 });
    expect(d.totalCost).toBeCloseTo(SONNET_DAY * 1.5 + NOVA_DAY, 9);
  });

  it('lists unpriced models instead of counting them at $0', () => {
    expect(d.unpriced).toEqual([UNPRICED]);
    const text = digestText(d);
    expect(text).toContain(`${UNPRICED}: no price, 120 requests`);
    expect(text).toContain(`No price (add under pricing: in rules.yml)\n- ${UNPRICED}`);
  });

  it('an unpriced model does not hide the change of the priced total against its baseline', () => {
    // totalCost leaves the unpriced model out; totalExpected should leave it out too.
    expect(d.totalExpected).not.toBeNull();
    expect(d.totalExpected as number).toBeCloseTo(SONNET_DAY + NOVA_DAY, 9);
    expect(digestLines(d).title).toMatch(/^Bedrock daily digest 2026-10-20: \$0\.17 \(\+4\d% vs baseline\)$/);
  });

  it('has no expected spend for a day without like-for-like history (a first weekend), rather than a misleading one', () => {
    const sat = Date.parse('2026-10-24T00:00:00Z');
    const young = { [SONNET]: { [IN]: historyOf(sat - 4 * DAY, 5 * 24, () => 1000), [OUT]: historyOf(sat - 4 * DAY, 5 * 24, () => 100), [INV]: historyOf(sat - 4 * DAY, 5 * 24, () => 10) } };
    const e = buildDigest(input({ day: '2026-10-24', from: sat, to: sat + DAY, histories: young }));
    expect(e.models[0]).toMatchObject({ expectedCost: null, change: null });
    expect(e.totalExpected).toBeNull();
  });

  it('lists the alerts of the day with the headline of their episode (not the latest text), muted ones left out', () => {
    expect(d.alerts).toEqual([
      { rule: 'bedrock-monthly-budget', model: null, tier: 'info', startsAt: '2026-10-19T15:00:00.000Z', endsAt: null, text: '$5200 of the $10000 monthly budget spent (52%)' },
      { rule: 'bedrock-server-errors', model: SONNET, tier: 'critical', startsAt: '2026-10-20T10:00:00.000Z', endsAt: '2026-10-20T10:40:00.000Z', text: '9.1% of 512 requests (critical above 5%)' },
    ]);
    const lines = digestLines(d).sections.find((s) => s.heading === 'Alerts')!.lines;
    expect(lines).toEqual([
      'INFO bedrock-monthly-budget at 15:00Z (still firing): $5200 of the $10000 monthly budget spent (52%)',
      `CRITICAL bedrock-server-errors on ${SONNET} at 10:00Z–10:40Z: 9.1% of 512 requests (critical above 5%)`,
    ]);
  });

  it('shows the top 5 callers by cost (unpriced callers last)', () => {
    expect(d.callers.map((c) => c.caller)).toEqual([role('batch'), role('chat'), role('eval'), role('search'), role('probe')]);
    expect(d.callers[0]).toMatchObject({ modelId: SONNET, requests: 40, tokens: 110_000 });
    expect(d.callers[0].cost).toBeCloseTo(0.45, 9);
  });

  it('renders budgets and says "none" / "no invocation logs" when there is nothing to show', () => {
    expect(digestText(d)).toContain('bedrock-monthly-budget: $5200 of $10000 (52%), forecast $9800');
    const empty = buildDigest(input({ alerts: [], callers: [], budgets: [] }));
    const sections = Object.fromEntries(digestLines(empty).sections.map((s) => [s.heading, s.lines]));
    expect(sections.Alerts).toEqual(['none']);
    expect(sections['Top callers']).toEqual(['no invocation logs']);
    expect(sections.Budgets).toBeUndefined();
  });
});

describe('digestSlack: within Block Kit limits', () => {
  const check = (msg: { text: string; blocks: object[] }) => {
    const blocks = msg.blocks as { type: string; text: { type: string; text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocks[0].type).toBe('header');
    expect(blocks[0].text.type).toBe('plain_text');
    expect(blocks[0].text.text.length).toBeLessThanOrEqual(150);
    for (const b of blocks.slice(1)) {
      expect(b.type).toBe('section');
      expect(b.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(msg.text.length).toBeGreaterThan(0);
  };

  it('a normal digest: one header and one section per part', () => {
    const msg = digestSlack(buildDigest(input()));
    check(msg);
    const blocks = msg.blocks as { text: { text: string } }[];
    expect(blocks.map((b) => b.text.text.split('\n')[0])).toEqual([
      expect.stringMatching(/^Bedrock daily digest 2026-10-20: /),
      '*Spend by model*',
      '*Alerts*',
      '*Top callers*',
      '*Budgets*',
      '*No price (add under pricing: in rules.yml)*',
    ]);
  });

  it('a huge digest (400 models, 300 alerts, a very long title) is clipped to the limits', () => {
    const many: Digest = {
      day: `2026-10-20 ${'x'.repeat(300)}`,
      models: Array.from({ length: 400 }, (_, i) => ({ model: `custom.fine-tuned-model-with-a-long-name-${i}-v1:0`, requests: 1000 + i, cost: i, expectedCost: i + 1, change: -1 / (i + 1) })),
      totalCost: 79_800,
      totalExpected: 80_200,
      unpriced: Array.from({ length: 300 }, (_, i) => `acme.unpriced-${i}-v1:0`),
      alerts: Array.from({ length: 300 }, (_, i) => ({ rule: 'bedrock-latency-p95', model: `m-${i}`, tier: 'warning', startsAt: '2026-10-20T10:00:00.000Z', endsAt: null, text: 'slow <a> & b'.repeat(5) })),
      callers: [],
      budgets: [],
    };
    const msg = digestSlack(many);
    check(msg);
    expect(msg.text.length).toBeLessThanOrEqual(3000);
    const alerts = (msg.blocks as { text: { text: string } }[])[2].text.text;
    expect(alerts).toContain('&lt;a&gt; &amp; b'); // mrkdwn control characters escaped
    expect(alerts.endsWith('…')).toBe(true);
  });
});

describe('runDigest', () => {
  const receivers = [
    { name: 'pagerduty-oncall', type: 'pagerduty', routing_key: { ssm: '/bedrock-watch/pagerduty-routing-key' } },
    { name: 'slack-alerts', type: 'slack', webhook_url: { ssm: '/bedrock-watch/slack-webhook-url' } },
    { name: 'sns-alerts', type: 'sns' },
  ];
  const budget = (over: Record<string, unknown> = {}) => ({
    name: 'bedrock-monthly-budget',
    kind: 'budget',
    monthly_usd: 10,
    next_check: 'Review the top models.',
    tiers: { warning: { spent_above: '75%' } },
    ...over,
  });
  const configWith = (rules: Record<string, unknown>[] = [budget()]) =>
    configOf(rules, { receivers, routes: { critical: ['pagerduty-oncall'], warning: ['slack-alerts'], info: ['pagerduty-oncall', 'slack-alerts', 'sns-alerts'] } });
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const NOW = Date.parse('2026-10-21T08:00:00Z');

  async function baselineStore() {
    const store = new MemoryBaselineStore();
    for (const [m, hs] of Object.entries(HISTORIES)) await store.saveHistories(m, { histories: hs, version: 0 });
    await store.saveExpectations(Object.entries(HISTORIES).map(([m, hs]) => buildExpectations(m, hs, TO, 'UTC', new Pricing())));
    return store;
  }

  it('sends yesterday\'s digest to the info receivers that take digests (not PagerDuty), once even if invoked twice', async () => {
    const config = configWith();
    const notifiers = new CaptureNotifiers(config.receivers);
    const deps: DigestDeps = { config, baselines: await baselineStore(), state: new MemoryStateStore(), notifiers, log: silent };
    const first = await runDigest(deps, NOW);
    expect(first).toMatchObject({ day: '2026-10-20', sent: ['slack-alerts', 'sns-alerts'], failed: [] });
    expect(first.skipped).toBeUndefined();
    const second = await runDigest(deps, NOW + 5 * 60_000);
    expect(second).toMatchObject({ day: '2026-10-20', sent: [], skipped: 'digest for 2026-10-20 already sent' });
    expect(notifiers.digests.map((d) => d.receiver)).toEqual(['slack-alerts', 'sns-alerts']);
    expect(notifiers.digests[0].digest.models.map((m) => m.model)).toEqual([SONNET, NOVA, UNPRICED]);
  });

  it('once per day across two Lambda invocations sharing the DynamoDB table (claimOnce on dynalite)', async () => {
    const config = configWith();
    const notifiers = new CaptureNotifiers(config.receivers);
    const baselines = await baselineStore();
    const a = await runDigest({ config, baselines, state: new DynamoStateStore(db().table), notifiers, log: silent }, NOW);
    const b = await runDigest({ config, baselines, state: new DynamoStateStore(db().table), notifiers, log: silent }, NOW + 1000);
    expect([a.sent, b.sent]).toEqual([['slack-alerts', 'sns-alerts'], []]);
    expect(b.skipped).toBe('digest for 2026-10-20 already sent');
    // The next day is a new digest.
    const c = await runDigest({ config, baselines, state: new DynamoStateStore(db().table), notifiers, log: silent }, NOW + DAY);
    expect(c).toMatchObject({ day: '2026-10-21', sent: ['slack-alerts', 'sns-alerts'] });
  });

  it('one failing receiver does not keep the digest from the others', async () => {
    const config = configWith();
    const capture = new CaptureNotifiers(config.receivers);
    const notifiers: NotifierLookup = {
      get: async (r) => (r === 'slack-alerts' ? { send: async () => undefined, sendDigest: async () => Promise.reject(new Error('HTTP 500')) } : capture.get(r)),
    };
    const errors: unknown[] = [];
    const report = await runDigest({ config, baselines: await baselineStore(), state: new MemoryStateStore(), notifiers, log: { ...silent, error: (...a: unknown[]) => errors.push(a) } }, NOW);
    expect(report).toMatchObject({ sent: ['sns-alerts'], failed: ['slack-alerts'] });
    expect(errors).toHaveLength(1);
  });

  describe.each([
    ['memory', async () => new MemoryStateStore()],
    ['dynamodb', async () => new DynamoStateStore(await freshTable(db().client))],
  ] as const)('fault: a digest receiver fails (%s store)', (_name, makeState) => {
    /** Slack fails while `down`; the others are captured. */
    function flakySlack(config: ReturnType<typeof configWith>) {
      const capture = new CaptureNotifiers(config.receivers);
      const state = { down: true };
      const notifiers: NotifierLookup = {
        get: async (r) => {
          const real = await capture.get(r);
          if (r !== 'slack-alerts') return real;
          return { ...real, sendDigest: async (d, recv) => (state.down ? Promise.reject(new Error('HTTP 503')) : real.sendDigest!(d, recv)) };
        },
      };
      return { capture, notifiers, state };
    }

    it('is not marked sent: the retried invocation sends it to the failed receiver only', async () => {
      const config = configWith();
      const { capture, notifiers, state: slack } = flakySlack(config);
      const deps: DigestDeps = { config, baselines: await baselineStore(), state: await makeState(), notifiers, log: silent };
      // The handler fails the invocation, so that Lambda retries it.
      const handler = createDigestHandler(() => deps, silentLogger());
      await expect(handler(scheduledEvent(NOW + 3 * DAY), lambdaContext())).rejects.toThrow('digest for 2026-10-23 not delivered to slack-alerts; the retry sends it to them only');
      expect(capture.digests.map((d) => d.receiver)).toEqual(['sns-alerts']);
      slack.down = false;
      // Lambda retries the failed invocation with the same event (so the same time).
      const retry = await runDigest(deps, NOW + 3 * DAY);
      expect(retry).toMatchObject({ sent: ['slack-alerts'], failed: [] });
      expect(retry.skipped).toBeUndefined();
      const again = await runDigest(deps, NOW + 3 * DAY);
      expect(again.skipped).toBe('digest for 2026-10-23 already sent');
      expect(capture.digests.map((d) => d.receiver)).toEqual(['sns-alerts', 'slack-alerts']);
    });

    it('an invocation that died while sending holds the receiver only until its lease ends', async () => {
      const config = configWith();
      const capture = new CaptureNotifiers(config.receivers);
      let clock = Date.parse('2026-10-24T08:00:00Z');
      const deps: DigestDeps = { config, baselines: await baselineStore(), state: await makeState(), notifiers: capture, log: silent, clock: () => clock };
      // The dead invocation: it took slack-alerts and never finished.
      expect(await deps.state.claimOnce('DIGEST#2026-10-23#slack-alerts', clock, 5 * 60_000)).not.toBeNull();
      const during = await runDigest(deps, NOW + 3 * DAY);
      expect(during.sent).toEqual(['sns-alerts']);
      clock += 6 * 60_000;
      const after = await runDigest(deps, NOW + 3 * DAY);
      expect(after.sent).toEqual(['slack-alerts']);
    });

    it('a late invocation that outlived its lease cannot release the receiver the next one holds (no second digest)', async () => {
      const config = configWith();
      const capture = new CaptureNotifiers(config.receivers);
      let clock = Date.parse('2026-10-24T08:00:00Z');
      // Slack answers each send only when the test says so: a hung send, then a slow one.
      const slackCalls: { settle: (ok: boolean) => void }[] = [];
      const notifiers: NotifierLookup = {
        get: async (r) => {
          const real = await capture.get(r);
          if (r !== 'slack-alerts') return real;
          return {
            ...real,
            sendDigest: (d, recv) =>
              new Promise<void>((resolve, reject) => {
                slackCalls.push({ settle: (ok) => (ok ? real.sendDigest!(d, recv).then(resolve) : reject(new Error('timeout'))) });
              }),
          };
        },
      };
      const warnings: unknown[][] = [];
      const log = { ...silent, warn: (...a: unknown[]) => void warnings.push(a) };
      const deps: DigestDeps = { config, baselines: await baselineStore(), state: await makeState(), notifiers, log, clock: () => clock };
      const until = async (n: number) => {
        for (let i = 0; i < 2_000 && slackCalls.length < n; i++) await new Promise((r) => setTimeout(r, 5));
        expect(slackCalls).toHaveLength(n);
      };
      // Invocation A takes slack-alerts and hangs past its lease.
      const a = runDigest(deps, NOW + 4 * DAY);
      await until(1);
      clock += 6 * 60_000;
      // Invocation B takes it over (the lease ran out) and is sending.
      const b = runDigest(deps, NOW + 4 * DAY);
      await until(2);
      // A's send times out: it reports the failure but must not release B's claim.
      slackCalls[0].settle(false);
      expect(await a).toMatchObject({ failed: ['slack-alerts'] });
      expect(warnings.map((w) => w[0])).toContain('digest lease lost: another invocation holds it, its outcome stands');
      // A third invocation meanwhile: slack-alerts is still B's, so it sends nothing there.
      const c = await runDigest(deps, NOW + 4 * DAY);
      expect(c.sent).toEqual([]);
      expect(slackCalls).toHaveLength(2);
      slackCalls[1].settle(true);
      expect(await b).toMatchObject({ sent: ['slack-alerts'], failed: [] });
      clock += 60 * 60_000;
      expect((await runDigest(deps, NOW + 4 * DAY)).skipped).toBe('digest for 2026-10-24 already sent');
      expect(capture.digests.filter((d) => d.receiver === 'slack-alerts')).toHaveLength(1);
    });
  });

  it('uses the local day of the rules\' time zone (Los Angeles: the digest at 08:00 UTC covers the previous local day)', async () => {
    const config = configOf([budget()], { receivers, routes: { info: ['sns-alerts'] }, settings: { timezone: 'America/Los_Angeles' } });
    const report = await runDigest({ config, baselines: await baselineStore(), state: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), log: silent }, NOW);
    expect(report.day).toBe('2026-10-20'); // 08:00 UTC is 01:00 PDT on the 21st
  });

  it('reports budgets with month-to-date spend of the models the budget rule selects', async () => {
    // Budget on Nova only: the digest must not add Sonnet's spend to it (the alert does not either).
    const config = configWith([budget({ models: { include: ['amazon.*'] } })]);
    const baselines = await baselineStore();
    const expectations = await baselines.loadExpectations();
    const novaOnly = expectations.find((e) => e.model === NOVA)!.cost.monthToDate as number;
    const report = await runDigest({ config, baselines, state: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), log: silent }, NOW);
    expect(report.digest.budgets).toHaveLength(1);
    expect(report.digest.budgets[0].spent).toBeCloseTo(novaOnly, 9);
  });
});

const db = useDynamo();
