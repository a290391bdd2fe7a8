/**
 * The labels routing and messages see (shared/route/labels.ts): the alert's own win over its rule's
 * and the deployment's; severity is the tier given, else the episode's highest, else info; the
 * account and region come from the Lambda runtime.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { signalOf } from '../../shared/engine/signal';
import type { AlertState } from '../../shared/core/alert';
import { parseRules } from '../../shared/rules/load';
import { envFromRuntime, routingLabels, viewLabels } from '../../shared/route/labels';

const config = parseRules(`
rules:
  - name: bedrock-throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: [Invocations, InvocationThrottles]
    next_check: Compare with the quota.
    labels: { team: platform }
    tiers: { warning: { above: 1% }, critical: { above: 10% } }
`);
const rule = config.rules[0];
const state = (labels: Record<string, string>, over: Partial<AlertState> = {}): AlertState => ({ ...initialState(fingerprint(rule.name, labels), rule, signalOf(rule), labels), ...over });
const ENV = { Region: 'us-east-1', AccountId: '123456789012' };

describe('viewLabels', () => {
  it('adds the deployment’s account and region only where the alert and its rule set none', () => {
    expect(viewLabels(state({ ModelId: 'm1' }), undefined, ENV)).toStrictEqual({ ModelId: 'm1', Region: 'us-east-1', AccountId: '123456789012' });
    expect(viewLabels(state({ ModelId: 'm1', Region: 'eu-west-1', AccountId: '210987654321' }), undefined, ENV)).toStrictEqual({ ModelId: 'm1', Region: 'eu-west-1', AccountId: '210987654321' });
    expect(viewLabels(state({ ModelId: 'm1', team: 'ml' }), rule, ENV)).toStrictEqual({ team: 'ml', ModelId: 'm1', Region: 'us-east-1', AccountId: '123456789012' });
  });

  it('adds no account or region keys when the runtime gave none', () => {
    const out = viewLabels(state({ ModelId: 'm1' }), undefined, {});
    expect(out).toStrictEqual({ ModelId: 'm1' });
    expect(Object.keys(out)).toEqual(['ModelId']);
  });
});

describe('routingLabels', () => {
  it('take severity from the tier given, else the episode’s highest tier, else info', () => {
    const s = state({ ModelId: 'm1' }, { tier: 'warning', maxTier: 'critical' });
    expect(routingLabels(s, rule, 'warning').severity).toBe('warning');
    expect(routingLabels(s, rule, null).severity).toBe('critical');
    expect(routingLabels(state({ ModelId: 'm1' }), rule, null).severity).toBe('info');
    expect(routingLabels(s, rule, 'warning')).toMatchObject({ rule: 'bedrock-throttles', alertname: 'bedrock-throttles', team: 'platform' });
  });
});

describe('envFromRuntime', () => {
  const ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:bedrock-watch-evaluate';
  it.each([
    ['AWS_REGION and the ARN’s account', 'us-east-1', ARN, { Region: 'us-east-1', AccountId: '123456789012' }],
    ['the ARN’s region when AWS_REGION is unset', undefined, ARN, { Region: 'eu-central-1', AccountId: '123456789012' }],
    ['a multi-part region', undefined, 'arn:aws:lambda:us-gov-west-1:123456789012:function:f', { Region: 'us-gov-west-1', AccountId: '123456789012' }],
    ['nothing without either', undefined, undefined, {}],
    ['only the region without an ARN', 'us-west-2', undefined, { Region: 'us-west-2' }],
    ['no region from a malformed ARN field', undefined, 'arn:aws:lambda:not a region:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region from a region without its number', undefined, 'arn:aws:lambda:eu-central-:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region from one with a capital or a digit in its name', undefined, 'arn:aws:lambda:EU-central-1:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region from a one-letter prefix', undefined, 'arn:aws:lambda:e-central-1:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region with a number in its name part', undefined, 'arn:aws:lambda:eu-1-1:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region with text after the number', undefined, 'arn:aws:lambda:eu-central-1x:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region with text before it', undefined, 'arn:aws:lambda:xeu-central-1:123456789012:function:f', { AccountId: '123456789012' }],
    ['no region from letters for the number', undefined, 'arn:aws:lambda:eu-central-a:123456789012:function:f', { AccountId: '123456789012' }],
    ['a two-digit region number', undefined, 'arn:aws:lambda:eu-central-12:123456789012:function:f', { Region: 'eu-central-12', AccountId: '123456789012' }],
    ['no account unless twelve digits', 'us-east-1', 'arn:aws:lambda:us-east-1:12345:function:f', { Region: 'us-east-1' }],
    ['no account with a letter in it', 'us-east-1', 'arn:aws:lambda:us-east-1:12345678901x:function:f', { Region: 'us-east-1' }],
    ['no account with more than twelve digits', 'us-east-1', 'arn:aws:lambda:us-east-1:1234567890123:function:f', { Region: 'us-east-1' }],
    ['no account with a letter first', 'us-east-1', 'arn:aws:lambda:us-east-1:x123456789012:function:f', { Region: 'us-east-1' }],
    ['no account of twelve non-digits', 'us-east-1', 'arn:aws:lambda:us-east-1:abcdefghijkl:function:f', { Region: 'us-east-1' }],
    ['no account without the account field', 'us-east-1', 'arn:aws:lambda', { Region: 'us-east-1' }],
  ])('%s', (_case, region, arn, want) => {
    expect(envFromRuntime(region, arn)).toStrictEqual(want);
  });
});
