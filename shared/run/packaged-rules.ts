/**
 * The rules a Lambda runs with. In a packaged bundle this module is replaced at build time by the
 * validated rules as JSON (scripts/esbuild-plugins.js), so zod and yaml stay out of every bundle
 * and a bad rules file fails `sls package`/`sls deploy`, not the first tick. Unbundled (tests,
 * tsx) or bundled without the plugin, it reads RULES_FILE at cold start.
 */
import type { Config } from '../rules/schema';

export function packagedRules(): Config {
  const { loadRulesFile } = require('../rules/load') as typeof import('../rules/load');
  // The SSM prefix is checked when the stack says which one its role grants (SSM_PREFIX).
  return loadRulesFile(process.env.RULES_FILE ?? 'rules.yml', { ssmPrefix: process.env.SSM_PREFIX || false });
}
