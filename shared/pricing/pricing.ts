/**
 * Estimated on-demand cost: input tokens × input price + output tokens × output price, per
 * 1,000 tokens. Prices come from rules.yml `pricing:` first, then the shipped table; a model
 * with no price is reported, never priced at 0.
 */
import shipped from './prices.json';
import { baseModelId } from './model-id';
import { modelIdOf } from '../core/target';

export interface Price {
  input: number;
  output: number;
}

export type PriceTable = Record<string, Price>;

const SHIPPED: PriceTable = (shipped as { models: PriceTable }).models;

export class Pricing {
  private readonly table: PriceTable;
  readonly unpriced = new Set<string>();

  constructor(overrides: PriceTable = {}) {
    this.table = { ...SHIPPED, ...overrides };
  }

  /** The price of a model id, an inference profile (`us.anthropic…`) or a model ARN; null when unknown. */
  price(target: string): Price | null {
    // A target key (model in a region of an account) is priced as its model.
    const modelId = modelIdOf(target);
    const p = this.table[modelId] ?? this.table[baseModelId(modelId)] ?? null;
    if (!p) this.unpriced.add(modelId);
    return p;
  }

  /** USD for a token count; null (not 0) for a model without a price. */
  cost(modelId: string, inputTokens: number, outputTokens: number): number | null {
    const p = this.price(modelId);
    return p ? (inputTokens * p.input + outputTokens * p.output) / 1000 : null;
  }
}
