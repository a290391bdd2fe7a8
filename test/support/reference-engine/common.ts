import { TIERS, type Tier } from '../../../shared/core/alert';
import type { Observation } from '../../../shared/engine/types';

export const TIER_ORDER = TIERS;

export interface TierCheck {
  tier: Tier;
  breach: boolean;
  hold: boolean;
  /** How the tier's limit reads: "above 5%". */
  limit: string;
  threshold: number | null;
}

export function unevaluable(reason: string): Observation {
  return { evaluable: false, breach: {}, hold: {}, value: null, threshold: null, baseline: null, text: reason, details: { reason } };
}

/** Builds an observation from per-tier checks; the text names the highest tier in play. */
export function observation(
  checks: TierCheck[],
  o: { value: number; baseline: number | null; cap?: Tier; text: (limit: string) => string; details: Observation['details'] },
): Observation {
  const breach: Observation['breach'] = {};
  const hold: Observation['hold'] = {};
  const byTier: NonNullable<Observation['byTier']> = {};
  let top: TierCheck | undefined;
  for (const c of checks) {
    breach[c.tier] = c.breach;
    hold[c.tier] = c.hold;
    if (c.hold) top = c;
    byTier[c.tier] = { text: o.text(`${c.tier} ${c.limit}`), threshold: c.threshold };
  }
  top ??= checks[0];
  return {
    evaluable: true,
    breach,
    hold,
    cap: o.cap,
    value: o.value,
    threshold: top?.threshold ?? null,
    baseline: o.baseline,
    text: o.text(top ? `${top.tier} ${top.limit}` : ''),
    byTier,
    details: o.details,
  };
}

/** Per-tier checks for "value above the tier's `above`" with hysteresis: the shape most kinds share. */
export function aboveChecks(tiers: Partial<Record<Tier, { above: number }>>, value: number, hysteresis: number, limit: (above: number) => string): TierCheck[] {
  return TIER_ORDER.flatMap((tier) => {
    const t = tiers[tier];
    return t ? [{ tier, breach: value > t.above, hold: value > t.above * (1 - hysteresis), limit: limit(t.above), threshold: t.above }] : [];
  });
}
