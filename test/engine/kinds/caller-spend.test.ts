import { evaluate } from '../../../shared/engine/evaluate';
import { observeCallerSpend } from '../../../shared/engine/kinds/caller-spend';
import type { CallerSpendRule } from '../../../shared/rules/schema';
import { baselinesOf } from '../../../shared/run/baselines-provider';
import { callerKey } from '../../../shared/core/log-keys';
import { MINUTE, ctxOf, expectationsOf, flatSeries, minuteFrame } from '../../support/baseline-fixtures';
import { configOf } from '../../support/frame';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const BATCH = 'arn:aws:iam::123456789012:role/batch-summariser';
const CHAT = 'arn:aws:iam::123456789012:role/chat-frontend';
const TINY = 'arn:aws:iam::123456789012:role/nightly-probe';
const T = Date.parse('2026-10-05T12:00:00Z');

const callerRule = (over: Record<string, unknown> = {}) => ({
  name: 'caller-spend',
  kind: 'caller_spend',
  next_check: "Ask the role's owner.",
  tiers: { warning: { above: 3, for: '15m' } },
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([callerRule(over)]).rules[0] as CallerSpendRule;

/** Each caller's learned tokens per hour. */
const learned = (perHour: Record<string, number>, confidence: 'none' | 'low' | 'ok' = 'ok') =>
  baselinesOf([expectationsOf(MODEL, T, Object.fromEntries(Object.entries(perHour).map(([c, v]) => [callerKey(c), flatSeries(v, confidence)])))]);

/** 60 minutes of tokens per minute for each caller, ending at T + 59 min. */
const hourOf = (perMinute: Record<string, number>) =>
  minuteFrame(T, { [MODEL]: Object.fromEntries(Object.entries(perMinute).map(([c, v]) => [callerKey(c), new Array(60).fill(v)])) }, 60);

const observeCaller = (caller: string, perMinute: Record<string, number>, baselines = learned({ [BATCH]: 60_000, [CHAT]: 120_000, [TINY]: 600 }), rule = ruleOf()) =>
  observeCallerSpend(rule, MODEL, caller, ctxOf({ frame: hourOf(perMinute), index: 59, baselines }));

describe('caller_spend: one caller against its own learned normal', () => {
  it('fires at 3× its own baseline over the window (1 h by default)', () => {
    const obs = observeCaller(BATCH, { [BATCH]: 3500 }); // 210k tokens vs 60k normally
    expect(obs.evaluable).toBe(true);
    expect(obs.value).toBeCloseTo(3.5, 9);
    expect(obs.breach.warning).toBe(true);
    expect(obs.details).toEqual({ caller: BATCH, tokens: 210_000, expected_tokens: 60_000, window_minutes: 60 });
    expect(obs.text).toBe(`${BATCH} used 210k tokens in 60 min vs 60k normally (3.5×; warning above 3.0×), about $1.89`);
  });

  it('is judged against its own normal, not against other callers: 120k tokens an hour is normal for a heavy caller', () => {
    expect(observeCaller(CHAT, { [CHAT]: 2000 }).breach.warning).toBe(false); // 120k vs 120k
    expect(observeCaller(BATCH, { [BATCH]: 2000 }).breach.warning).toBe(false); // 120k vs 60k = 2×
  });

  it('does not judge small callers (expected tokens over the window below min_expected_tokens, default 20,000)', () => {
    const obs = observeCaller(TINY, { [TINY]: 1000 }); // 100× its 600 tokens an hour
    expect(obs).toMatchObject({ evaluable: false, text: `${TINY} normally uses too few tokens here to judge` });
    expect(observeCaller(TINY, { [TINY]: 1000 }, undefined, ruleOf({ min_expected_tokens: 500 })).breach.warning).toBe(true);
  });

  it('is not evaluable for a caller without a learned baseline (a new role)', () => {
    const obs = observeCaller('arn:aws:iam::123456789012:role/new', { 'arn:aws:iam::123456789012:role/new': 9000 });
    expect(obs).toMatchObject({ evaluable: false, text: `no learned baseline for arn:aws:iam::123456789012:role/new on ${MODEL} yet` });
  });

  it('caps at warning on a low-confidence baseline', () => {
    expect(observeCaller(BATCH, { [BATCH]: 3500 }, learned({ [BATCH]: 60_000 }, 'low')).cap).toBe('warning');
    expect(observeCaller(BATCH, { [BATCH]: 3500 }, learned({ [BATCH]: 60_000 }, 'none')).evaluable).toBe(false);
  });
});

describe('caller_spend through evaluate(): one alert per caller, only for the one above its normal', () => {
  it('labels the alert with the model and the caller', () => {
    const config = configOf([callerRule({ tiers: { warning: { above: 3, for: '0m' } } })]);
    const frame = hourOf({ [BATCH]: 3500, [CHAT]: 2000, [TINY]: 1000 });
    const out = evaluate({ config, frame, states: {}, baselines: learned({ [BATCH]: 60_000, [CHAT]: 120_000, [TINY]: 600 }), minutes: [{ minute: T + 59 * MINUTE, at: T + 62 * MINUTE }] });
    expect(out.transitions.map((t) => [t.kind, t.state.tier, t.state.labels])).toEqual([['firing', 'warning', { ModelId: MODEL, caller: BATCH }]]);
  });
});
