/** Several rules breaching together for the same model (e.g. slower than usual AND failing more). */
import { tierRank, type Tier } from '../../core/alert';
import { type CompositeRule } from '../../rules/schema';
import type { Observation, Observe } from '../types';
import { TIER_ORDER, unevaluable } from './common';

export const observeComposite: Observe<CompositeRule> = (rule, _model, ctx) => {
  const parts: { obs: Observation; tier: (typeof rule.all)[number]['tier'] }[] = [];
  for (const c of rule.all) {
    const obs = ctx.peer(c.rule);
    if (!obs || !obs.evaluable) return unevaluable(`condition ${c.rule}: ${obs?.text ?? 'not evaluated'}`);
    parts.push({ obs, tier: c.tier });
  }
  // A condition asks for a tier "or worse": a rule with only a critical tier satisfies a warning condition.
  const atLeast = (o: Partial<Record<Tier, boolean>>, tier: Tier) => TIER_ORDER.some((t) => tierRank(t) >= tierRank(tier) && o[t]);
  const breach = parts.every((p) => atLeast(p.obs.breach, p.tier));
  const hold = parts.every((p) => atLeast(p.obs.hold, p.tier));
  // The weakest evidence among the conditions limits the composite (a low-confidence baseline never pages).
  const caps = parts.map((p) => p.obs.cap).filter((c): c is Tier => !!c);
  const cap = caps.length ? caps.reduce((a, b) => (tierRank(b) < tierRank(a) ? b : a)) : undefined;
  const result: Observation = { evaluable: true, breach: {}, hold: {}, cap, value: null, threshold: null, baseline: null, text: parts.map((p) => p.obs.text).join(' AND '), details: {} };
  for (const tier of TIER_ORDER) {
    if (!rule.tiers[tier]) continue;
    result.breach[tier] = breach;
    result.hold[tier] = hold;
  }
  rule.all.forEach((c, i) => (result.details[c.rule] = parts[i].obs.text));
  return result;
};
