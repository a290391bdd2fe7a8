/**
 * The daily digest run (shared/run/digest.ts) beyond the happy path: who receives it (digest_receivers
 * over the info route), when a run counts as already done, a rotated secret read again once, what a
 * failure logs, which budget rules it reports, and the callers of the day from the invocation logs.
 */
import type { ModelExpectations } from '../../shared/core/baseline';
import { emptyBucket, type Bucket } from '../../shared/core/logs';
import { CaptureNotifiers } from '../../shared/local/capture';
import type { NotifierLookup } from '../../shared/run/deliver-outbox';
import { runDigest, type DigestDeps } from '../../shared/run/digest';
import { DeliveryError, type Notifier } from '../../shared/notify/types';
import type { LogSource } from '../../shared/sources/logs';
import { MemoryBaselineStore } from '../../shared/state/baselines';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { configOf } from '../support/frame';

const NOW = Date.parse('2026-10-21T08:00:00Z');
const DAY_FROM = Date.parse('2026-10-20T00:00:00Z');
const DAY_TO = Date.parse('2026-10-21T00:00:00Z');
const A = 'amazon.nova-lite-v1:0';
const B = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const receivers = [
  { name: 'pagerduty-oncall', type: 'pagerduty', routing_key: { ssm: '/bedrock-watch/pagerduty-routing-key' } },
  { name: 'slack-alerts', type: 'slack', webhook_url: { ssm: '/bedrock-watch/slack-webhook-url' } },
  { name: 'sns-alerts', type: 'sns' },
];
const budget = (over: Record<string, unknown> = {}) => ({ name: 'budget', kind: 'budget', monthly_usd: 100, next_check: 'Review.', tiers: { warning: { spent_above: '75%' } }, ...over });
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Expectations with a month's cost so far (and its forecast) per model. */
async function baselines(cost: Record<string, { monthToDate: number | null; forecast: number | null }> = {}) {
  const store = new MemoryBaselineStore();
  await store.saveExpectations(
    Object.entries(cost).map(([model, c]): ModelExpectations => ({ model, asOf: DAY_TO, start: DAY_TO - 86_400_000, series: {}, wow: {}, cost: { monthStart: Date.parse('2026-10-01T00:00:00Z'), dailyExpected: null, ...c } })),
  );
  return store;
}

/** A notifier lookup whose digests fail with `error` on the first notifier; `refresh` gives a working one. */
function rotating(error: Error, withRefresh = true) {
  const got: string[] = [];
  let refreshed = 0;
  const failing: Notifier = { send: async () => undefined, sendDigest: async () => Promise.reject(error) };
  const working: Notifier = { send: async () => undefined, sendDigest: async (_d, r) => void got.push(r) };
  const lookup: NotifierLookup = { get: async () => failing, ...(withRefresh ? { refresh: async () => (refreshed++, working) } : {}) };
  return { lookup, got, refreshed: () => refreshed };
}

describe('who gets the digest', () => {
  it('digest_receivers, when set, instead of the info route', async () => {
    const config = configOf([budget()], { receivers, routes: { info: ['slack-alerts'] }, digest_receivers: ['sns-alerts'] });
    const notifiers = new CaptureNotifiers(config.receivers);
    const report = await runDigest({ config, baselines: await baselines(), state: new MemoryStateStore(), notifiers, log: silent }, NOW);
    expect(report.sent).toEqual(['sns-alerts']);
    expect(notifiers.digests.map((d) => d.receiver)).toEqual(['sns-alerts']);
  });

  it('no receiver at all: nothing sent, and not reported as already sent', async () => {
    const config = configOf([budget()], { receivers, routes: { critical: ['pagerduty-oncall'] } });
    const report = await runDigest({ config, baselines: await baselines(), state: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), log: silent }, NOW);
    expect(report).toMatchObject({ day: '2026-10-20', sent: [], failed: [] });
    expect(report.skipped).toBeUndefined();
  });

  it('a rules file with a routing tree (no short-form routes) and no digest_receivers: no digest, no failure', async () => {
    const config = configOf([budget()], { receivers, route: { receiver: 'slack-alerts' } });
    const report = await runDigest({ config, baselines: await baselines(), state: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), log: silent }, NOW);
    expect(report).toMatchObject({ sent: [], failed: [] });
    expect(report.skipped).toBeUndefined();
  });

  it('a receiver added after the day was sent to the others gets it; the run is not "already sent"', async () => {
    const state = new MemoryStateStore();
    const base = await baselines();
    const before = configOf([budget()], { receivers, routes: { info: ['sns-alerts'] } });
    await runDigest({ config: before, baselines: base, state, notifiers: new CaptureNotifiers(before.receivers), log: silent }, NOW);
    const after = configOf([budget()], { receivers, routes: { info: ['sns-alerts', 'slack-alerts'] } });
    const report = await runDigest({ config: after, baselines: base, state, notifiers: new CaptureNotifiers(after.receivers), log: silent }, NOW);
    expect(report.sent).toEqual(['slack-alerts']);
    expect(report.skipped).toBeUndefined();
  });
});

describe('a receiver that rejects its secret', () => {
  const config = configOf([budget()], { receivers, routes: { info: ['slack-alerts'] } });

  it('is read again once and the digest goes out with the fresh secret', async () => {
    const r = rotating(new DeliveryError('HTTP 404 no_service', false, undefined, true));
    const report = await runDigest({ config, baselines: await baselines(), state: new MemoryStateStore(), notifiers: r.lookup, log: silent }, NOW);
    expect(report).toMatchObject({ sent: ['slack-alerts'], failed: [] });
    expect([r.refreshed(), r.got]).toEqual([1, ['slack-alerts']]);
  });

  it('another failure is not a reason to read it again: failed, logged with the receiver and error', async () => {
    const r = rotating(new DeliveryError('HTTP 500', true));
    const errors: unknown[][] = [];
    const report = await runDigest({ config, baselines: await baselines(), state: new MemoryStateStore(), notifiers: r.lookup, log: { ...silent, error: (...a: unknown[]) => void errors.push(a) } }, NOW);
    expect(report).toMatchObject({ sent: [], failed: ['slack-alerts'] });
    expect(r.refreshed()).toBe(0);
    expect(errors).toEqual([['digest delivery failed', { receiver: 'slack-alerts', error: 'HTTP 500' }]]);
  });

  it('nor is an error that is not a delivery error, and without a way to refresh the stale one fails', async () => {
    const plain = rotating(Object.assign(new Error('boom'), { staleSecret: true }));
    const noRefresh = rotating(new DeliveryError('HTTP 404 no_service', false, undefined, true), false);
    for (const r of [plain, noRefresh]) {
      const report = await runDigest({ config, baselines: await baselines(), state: new MemoryStateStore(), notifiers: r.lookup, log: silent }, NOW);
      expect(report).toMatchObject({ sent: [], failed: ['slack-alerts'] });
      expect(r.got).toEqual([]);
    }
    expect(plain.refreshed()).toBe(0);
  });
});

describe('what the digest reports', () => {
  it('budgets of the account-wide budget rules only (not per-model ones, not other kinds), with the forecast when one is known', async () => {
    const config = configOf(
      [
        budget({ name: 'all-models' }),
        budget({ name: 'per-model', per_model: true }),
        budget({ name: 'unpriced-only', models: { include: ['acme.*'] } }),
        { name: 'model-unavailable', kind: 'absent', next_check: 'IAM.', tiers: { critical: { for: '0m' } } },
      ],
      { receivers, routes: { info: ['sns-alerts'] } },
    );
    const base = await baselines({ [A]: { monthToDate: 10, forecast: 30 }, [B]: { monthToDate: 5, forecast: null }, 'acme.x-v1:0': { monthToDate: null, forecast: null } });
    const report = await runDigest({ config, baselines: base, state: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), log: silent }, NOW);
    expect(report.digest.budgets).toEqual([
      { name: 'all-models', budget: 100, spent: 15, forecast: 35 },
      { name: 'unpriced-only', budget: 100, spent: 0, forecast: null },
    ]);
  });

  it("the day's callers from the invocation logs of the learned models, over the local day", async () => {
    const asked: [string[], number, number][] = [];
    const bucket = (minute: number, caller: string, input: number): Bucket => {
      const b = emptyBucket(A, minute);
      b.callers[caller] = { requests: 1, inputTokens: input, outputTokens: 0 };
      return b;
    };
    const logs: LogSource = {
      buckets: async (models, from, to) => {
        asked.push([models, from, to]);
        return [bucket(DAY_FROM + 60_000, 'arn:aws:iam::123456789012:role/chat', 1_000)];
      },
    };
    const config = configOf([budget()], { receivers, routes: { info: ['sns-alerts'] } });
    const base = await baselines();
    await base.saveHistories(A, { histories: { 'Invocations:Sum': { start: DAY_FROM, values: Array(24).fill(1) } }, version: 0 });
    const report = await runDigest({ config, baselines: base, state: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), log: silent, logs }, NOW);
    expect(asked).toEqual([[[A], DAY_FROM, DAY_TO]]);
    expect(report.digest.callers.map((c) => [c.caller, c.requests])).toEqual([['arn:aws:iam::123456789012:role/chat', 1]]);
  });
});
