import type { Rule } from '../rules/schema';

const globRe = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** Whether a rule applies to a model id, by its `models.include` / `models.exclude` globs. */
export function appliesTo(rule: Rule, model: string): boolean {
  const sel = rule.models;
  if (!sel) return true;
  if (sel.include && !sel.include.some((g) => globRe(g).test(model))) return false;
  if (sel.exclude && sel.exclude.some((g) => globRe(g).test(model))) return false;
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
