import { TIERS, type Tier } from '../../core/alert';
import type { Observation } from '../types';

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
    // A tier's text is read only when that tier qualifies (machine.ts describeTier): formatted then.
    byTier[c.tier] = new TierText(c.threshold, () => o.text(`${c.tier} ${c.limit}`));
  }
  const named = top ?? checks[0];
  return {
    evaluable: true,
    breach,
    hold,
    cap: o.cap,
    value: o.value,
    threshold: named?.threshold ?? null,
    baseline: o.baseline,
    text: o.text(named ? `${named.tier} ${named.limit}` : ''),
    byTier,
    details: o.details,
  };
}

/**
 * A tier's text, formatted on first read: most minutes nobody reads it (machine.ts describeTier
 * reads the qualifying tier's only), and formatting every tier's was a share of every tick.
 * Serialised as the plain { text, threshold } it stands for.
 */
class TierText {
  private made: string | undefined;
  constructor(
    readonly threshold: number | null,
    private readonly make: () => string,
  ) {}
  get text(): string {
    return (this.made ??= this.make());
  }
  toJSON(): { text: string; threshold: number | null } {
    return { text: this.text, threshold: this.threshold };
  }
}

/** Per-tier checks for "value above the tier's `above`" with hysteresis: the shape most kinds share. */
export function aboveChecks(tiers: Partial<Record<Tier, { above: number }>>, value: number, hysteresis: number, limit: (above: number) => string): TierCheck[] {
  return TIER_ORDER.flatMap((tier) => {
    const t = tiers[tier];
    return t ? [{ tier, breach: value > t.above, hold: value > t.above * (1 - hysteresis), limit: limit(t.above), threshold: t.above }] : [];
  });
}
