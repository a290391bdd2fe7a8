/** Which models a rule judges: whatever the data shows (no hard-coded list), narrowed by the rule's globs. */
import { evaluate } from '../../shared/engine/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { appliesTo } from '../../shared/engine/select';
import { configOf, errorTraffic, evaluateMinutes, fp, frameOf, minute, runs, serverErrorRule, timeline } from '../support/frame';

const failing = () => errorTraffic(runs([100, 10]), runs([30, 10]));
const healthy = () => errorTraffic(runs([100, 10]), runs([0, 10]));
const fast = (over: Record<string, unknown> = {}) => serverErrorRule({ tiers: { critical: { above: '5%', for: '2m' } }, ...over });

/** Models that fired, in order, for a rule over a frame where every given model is failing. */
function firedModels(models: string[], over: Record<string, unknown> = {}): string[] {
  const frame = frameOf(Object.fromEntries(models.map((m) => [m, failing()])));
  return evaluateMinutes(configOf([fast(over)]), frame).transitions.map((t) => t.state.labels.ModelId);
}

describe('models come from the data', () => {
  it('judges every model in the frame, whatever its id, one alert per model', () => {
    const frame = frameOf({ 'acme.brand-new-model-v9:0': failing(), 'us.anthropic.claude-sonnet-4-20250514-v1:0': failing(), 'cohere.command-r-v1:0': healthy() });
    const run = evaluateMinutes(configOf([fast()]), frame);
    expect(timeline(run.transitions).sort()).toEqual([
      'firing critical acme.brand-new-model-v9:0 @2',
      'firing critical us.anthropic.claude-sonnet-4-20250514-v1:0 @2',
    ]);
    expect(Object.keys(run.states).sort()).toEqual([fp('server-errors', 'acme.brand-new-model-v9:0'), fp('server-errors', 'us.anthropic.claude-sonnet-4-20250514-v1:0')].sort());
    for (const t of run.transitions) expect(t.state.labels).toEqual({ ModelId: t.state.labels.ModelId });
  });

  it('keeps judging a model known only from stored state (it went silent), so its alert can resolve', () => {
    const M = 'amazon.nova-lite-v1:0';
    const config = configOf([fast({ max_window: '1m', resolve_after_missing: '5m' })]);
    const firing = evaluateMinutes(config, frameOf({ [M]: failing() })).states;
    // A later frame where the model published nothing and is not even listed.
    const later = frameOf({ 'other.model-v1:0': healthy() }, minute(10));
    const minutes = Array.from({ length: 10 }, (_, i) => ({ minute: minute(10 + i), at: minute(13 + i) }));
    const out = evaluate({ config, frame: later, states: firing, baselines: NO_BASELINES, minutes });
    expect(timeline(out.transitions)).toEqual([`resolved critical ${M} @14`]);
  });

  it('judges models passed as knownModels even when the frame has none', () => {
    const config = configOf([fast({ missing: 'breaching' })]);
    const frame = frameOf({}, minute(0));
    const empty = { ...frame, length: 5 };
    const minutes = Array.from({ length: 5 }, (_, i) => ({ minute: minute(i), at: minute(i + 3) }));
    const out = evaluate({ config, frame: empty, states: {}, baselines: NO_BASELINES, minutes, knownModels: ['silent.model-v1:0'] });
    expect(timeline(out.transitions)).toEqual(['firing critical silent.model-v1:0 @2']);
  });
});

describe('models.include / models.exclude globs', () => {
  const MODELS = ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'amazon.nova-lite-v1:0', 'meta.llama3-1-70b-instruct-v1:0'];

  it.each([
    // selector, models that fire
    [{}, MODELS],
    [{ include: ['anthropic.*'] }, ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0']],
    [{ include: ['anthropic.*'], exclude: ['*haiku*'] }, ['anthropic.claude-3-5-sonnet-20240620-v1:0']],
    [{ exclude: ['anthropic.*', 'meta.*'] }, ['amazon.nova-lite-v1:0']],
    [{ include: ['amazon.nova-lite-v1:0'] }, ['amazon.nova-lite-v1:0']],
    [{ include: ['amazon.nova-lite-v?:0'] }, ['amazon.nova-lite-v1:0']],
    [{ include: ['*llama*', '*nova*'] }, ['amazon.nova-lite-v1:0', 'meta.llama3-1-70b-instruct-v1:0']],
    [{ include: ['nova*'] }, []],
  ])('models %j fires for exactly those models', (models, expected) => {
    expect(firedModels(MODELS, { models }).sort()).toEqual([...expected].sort());
  });

  it.each([
    ['amazon.nova-lite-v1:0', 'amazonXnova-lite-v1:0', false],
    ['amazon.nova-lite-v1:0', 'amazon.nova-lite-v1:0', true],
    ['anthropic.claude-3-5-sonnet-(*)', 'anthropic.claude-3-5-sonnet-(beta)', true],
    ['us.*', 'eu.anthropic.claude', false],
    ['*:0', 'amazon.nova-lite-v1:0', true],
    ['*:0', 'amazon.nova-lite-v1:0:300k', false],
  ])('glob %s matches %s: %s (dots and brackets are literal; * spans anything)', (glob, model, matches) => {
    expect(appliesTo(configOf([serverErrorRule({ models: { include: [glob] } })]).rules[0], model)).toBe(matches);
  });
});
