/**
 * rules.yml → the JSON the Lambda bundles carry (scripts/esbuild-plugins.js runs this at package
 * time): validated, units converted, defaults applied. Prints the config on stdout, or the
 * problems as file:line:col on stderr with exit code 1.
 *
 *   npx tsx shared/rules/compile.ts rules.yml
 */
import { formatProblem, RulesError } from './errors';
import { loadRulesFile } from './load';

export function compileRules(file: string): string {
  return JSON.stringify(loadRulesFile(file, { ssmPrefix: process.env.SSM_PREFIX || false }));
}

if (require.main === module) {
  const file = process.argv[2] ?? 'rules.yml';
  try {
    process.stdout.write(compileRules(file));
  } catch (e) {
    if (!(e instanceof RulesError)) throw e;
    for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
    process.exitCode = 1;
  }
}
