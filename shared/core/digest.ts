/** The daily digest as data: built from state and baselines, rendered by each notifier. */

export interface CallerSpend {
  modelId: string;
  caller: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface DigestModel {
  model: string;
  requests: number;
  cost: number | null;
  expectedCost: number | null;
  /** cost / expected − 1 */
  change: number | null;
}

export interface Digest {
  day: string;
  models: DigestModel[];
  totalCost: number;
  totalExpected: number | null;
  unpriced: string[];
  alerts: { rule: string; model: string | null; tier: string; startsAt: string; endsAt: string | null; text: string }[];
  callers: { caller: string; modelId: string; cost: number | null; requests: number; tokens: number }[];
  budgets: { name: string; spent: number; budget: number; forecast: number | null }[];
}
