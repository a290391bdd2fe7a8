/**
 * Regenerates schema/rules.schema.json (the JSON Schema editors use for rules.yml, see its first
 * line) from the zod Config.  Run: npx tsx scripts/schema.ts   (--check: fail if it is stale)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Config } from '../shared/rules/schema';

export const SCHEMA_FILE = join(__dirname, '..', 'schema', 'rules.schema.json');

/** The schema text as checked in: what a user writes (io: input), transforms left open. */
export function rulesSchemaText(): string {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
  const text = rulesSchemaText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      console.error('schema/rules.schema.json is stale: run `npx tsx scripts/schema.ts`');
      process.exit(1);
    }
    console.log('schema/rules.schema.json is up to date');
  } else {
    writeFileSync(SCHEMA_FILE, text);
    console.log(`wrote schema/rules.schema.json (${text.length} bytes)`);
  }
}
