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
