/** Several rules breaching together for the same model (e.g. slower than usual AND failing more). */
import type { CompositeRule } from '../../rules/schema';
import type { Observation, Observe } from '../types';
import { TIER_ORDER, unevaluable } from './common';

export const observeComposite: Observe<CompositeRule> = (rule, _model, ctx) => {
  const parts: { obs: Observation; tier: (typeof rule.all)[number]['tier'] }[] = [];
  for (const c of rule.all) {
    const obs = ctx.peer(c.rule);
    if (!obs || !obs.evaluable) return unevaluable(`condition ${c.rule}: ${obs?.text ?? 'not evaluated'}`);
    parts.push({ obs, tier: c.tier });
  }
  const breach = parts.every((p) => p.obs.breach[p.tier]);
  const hold = parts.every((p) => p.obs.hold[p.tier]);
  const result: Observation = { evaluable: true, breach: {}, hold: {}, value: null, threshold: null, baseline: null, text: parts.map((p) => p.obs.text).join(' AND '), details: {} };
  for (const tier of TIER_ORDER) {
    if (!rule.tiers[tier]) continue;
    result.breach[tier] = breach;
    result.hold[tier] = hold;
  }
  rule.all.forEach((c, i) => (result.details[c.rule] = parts[i].obs.text));
  return result;
};
