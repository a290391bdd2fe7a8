/** A rules-file problem, located the way editors and compilers do: `rules.yml:14:7: message`. */
export interface RulesProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted path into the document, e.g. `rules[2].tiers.critical.above`. */
  path: string;
  message: string;
}

export class RulesError extends Error {
  constructor(readonly problems: RulesProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'RulesError';
  }
}

export const formatProblem = (p: RulesProblem): string =>
  `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path} ` : ''}${p.message}`;

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}
