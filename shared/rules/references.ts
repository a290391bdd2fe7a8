/**
 * Names a rules file may refer to: rule names and the labels alerts carry. An inhibition (or any
 * matcher) naming something that cannot exist silently matches nothing, so it is refused instead.
 * Takes plain name lists, so it serves any matcher syntax.
 */

export interface KnownNames {
  rules: readonly string[];
  labels: readonly string[];
}

/** The labels an alert of this rule carries (see shared/engine/evaluate.ts). */
export function labelsOf(rule: { kind: string; per_model?: boolean }): string[] {
  if (rule.kind === 'budget' && !rule.per_model) return ['budget'];
  if (rule.kind === 'caller_spend') return ['ModelId', 'caller'];
  return ['ModelId'];
}

export function knownNames(rules: readonly { name: string; kind: string; per_model?: boolean }[]): KnownNames {
  return { rules: rules.map((r) => r.name), labels: [...new Set(rules.flatMap(labelsOf))].sort() };
}

/** A problem message when `name` is not a rule of the file, else null. */
export const unknownRule = (name: string, known: KnownNames): string | null =>
  known.rules.includes(name) ? null : `unknown rule "${name}"${hint(name, known.rules, 'rules')}`;

/** A problem message when no alert of the file can carry label `name`, else null. */
export const unknownLabel = (name: string, known: KnownNames): string | null =>
  known.labels.includes(name) ? null : `no alert carries the label "${name}"${hint(name, known.labels, 'labels')}`;

function hint(name: string, names: readonly string[], what: string): string {
  const close = names.filter((n) => distance(n.toLowerCase(), name.toLowerCase()) <= Math.max(1, Math.floor(name.length / 4)));
  if (close.length) return `: did you mean ${close.map((n) => `"${n}"`).join(' or ')}?`;
  return names.length <= 12 ? `: the ${what} are ${names.map((n) => `"${n}"`).join(', ')}` : '';
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
