import shipped from '../../shared/pricing/prices.json';
import { baseModelId } from '../../shared/pricing/model-id';
import { Pricing } from '../../shared/pricing/pricing';
import { configOf } from '../support/frame';

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const SONNET_PRICE = { input: 0.003, output: 0.015 };
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';

const costRule = { name: 'daily-cost', kind: 'cost', next_check: 'Check the callers.', tiers: { warning: { above: 1.5 } } };

describe('model ids: inference profiles and ARNs map to the base model', () => {
  it.each([
    [`us.${SONNET}`, SONNET],
    [`eu.${SONNET}`, SONNET],
    [`apac.${SONNET}`, SONNET],
    [`global.${SONNET}`, SONNET],
    [`us-gov.${SONNET}`, SONNET],
    [`arn:aws:bedrock:us-east-1::foundation-model/${SONNET}`, SONNET],
    [`arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.${SONNET}`, SONNET],
    [`arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.${LLAMA}`, LLAMA],
    [SONNET, SONNET],
  ])('%s → %s', (id, base) => {
    expect(baseModelId(id)).toBe(base);
  });

  it('does not strip a provider name that merely starts like a region (only "<geo>." prefixes)', () => {
    expect(baseModelId('amazon.nova-lite-v1:0')).toBe('amazon.nova-lite-v1:0');
    expect(baseModelId('cohere.command-r-v1:0')).toBe('cohere.command-r-v1:0');
  });
});

describe('Pricing', () => {
  it('prices inference profiles and ARNs at the base model price', () => {
    const p = new Pricing();
    for (const id of [`us.${SONNET}`, `eu.${SONNET}`, `apac.${SONNET}`, `global.${SONNET}`, `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${SONNET}`, `arn:aws:bedrock:us-east-1::foundation-model/${SONNET}`]) {
      expect({ id, price: p.price(id) }).toEqual({ id, price: SONNET_PRICE });
    }
    expect(p.unpriced.size).toBe(0);
  });

  it('computes USD per 1,000 tokens: input × input price + output × output price', () => {
    const p = new Pricing();
    expect(p.cost(`us.${SONNET}`, 10_000, 2_000)).toBeCloseTo(10 * 0.003 + 2 * 0.015, 12);
    expect(p.cost(SONNET, 0, 0)).toBe(0); // a priced model with no tokens costs 0
  });

  it('ships only non-negative prices for every model in prices.json', () => {
    const models = (shipped as { models: Record<string, { input: number; output: number }> }).models;
    expect(Object.keys(models).length).toBeGreaterThan(10);
    for (const [id, price] of Object.entries(models)) {
      expect({ id, ok: price.input >= 0 && price.output >= 0 && price.input + price.output > 0 }).toEqual({ id, ok: true });
    }
  });

  it('rules.yml pricing: overrides a shipped price, and the override also applies to its inference profiles', () => {
    const config = configOf([costRule], { pricing: { [SONNET]: { input: 0.002, output: 0.01 } } });
    const p = new Pricing(config.pricing);
    expect(p.price(SONNET)).toEqual({ input: 0.002, output: 0.01 });
    expect(p.price(`eu.${SONNET}`)).toEqual({ input: 0.002, output: 0.01 });
    expect(new Pricing().price(SONNET)).toEqual(SONNET_PRICE); // the shipped table itself is untouched
  });

  it('rules.yml pricing: prices a model the shipped table does not know (a fine-tuned or custom model)', () => {
    const config = configOf([costRule], { pricing: { 'my-fine-tuned-model-id': { input: 0.002, output: 0.008 } } });
    const p = new Pricing(config.pricing);
    expect(p.cost('my-fine-tuned-model-id', 1000, 1000)).toBeCloseTo(0.01, 12);
    expect(p.unpriced.size).toBe(0);
  });

  it('an override keyed by an inference profile id applies to that profile only', () => {
    const p = new Pricing({ [`eu.${SONNET}`]: { input: 0.0033, output: 0.0165 } });
    expect(p.price(`eu.${SONNET}`)).toEqual({ input: 0.0033, output: 0.0165 });
    expect(p.price(`us.${SONNET}`)).toEqual(SONNET_PRICE);
  });

  it('an unknown model costs null (never 0) and is recorded in unpriced under the id that was asked', () => {
    const p = new Pricing();
    const unknown = 'us.acme.brand-new-model-v1:0';
    expect(p.price(unknown)).toBeNull();
    expect(p.cost(unknown, 1_000_000, 1_000_000)).toBeNull();
    expect(p.cost('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3', 10, 10)).toBeNull();
    expect([...p.unpriced].sort()).toEqual(['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3', unknown]);
  });

  it('a free-output model (embeddings) is priced, not unpriced', () => {
    const p = new Pricing();
    expect(p.cost('amazon.titan-embed-text-v2:0', 1000, 0)).toBeCloseTo(0.00002, 12);
    expect(p.unpriced.size).toBe(0);
  });
});
