import { parseTarget } from '../core/target';
import type { Rule } from '../rules/schema';

const globRe = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** Whether a rule applies to a target (shared/core/target): ModelId globs `models.include` / `exclude`, and `regions` / `accounts`. */
export function appliesTo(rule: Rule, target: string): boolean {
  const sel = rule.models;
  if (!sel) return true;
  const { modelId, region, account } = parseTarget(target);
  if (sel.include && !sel.include.some((g) => globRe(g).test(modelId))) return false;
  if (sel.exclude && sel.exclude.some((g) => globRe(g).test(modelId))) return false;
  // Region / account filters only narrow a deployment that watches several places.
  if (sel.regions && region && !sel.regions.includes(region)) return false;
  if (sel.accounts && account && !sel.accounts.includes(account)) return false;
  return true;
}

/** A `models.include` glob that matches none of `models`: the rule it belongs to watches nothing. */
export interface UnmatchedInclude {
  rule: string;
  /** Path into the rules file, for locating it: ['rules', i, 'models', 'include', j]. */
  path: (string | number)[];
  pattern: string;
}

export function unmatchedIncludes(rules: readonly Rule[], models: readonly string[]): UnmatchedInclude[] {
  if (!models.length) return []; // nothing discovered yet: no evidence either way
  return rules.flatMap((rule, i) =>
    (rule.models?.include ?? []).flatMap((pattern, j) =>
      models.some((m) => globRe(pattern).test(m)) ? [] : [{ rule: rule.name, path: ['rules', i, 'models', 'include', j], pattern }],
    ),
  );
}
