/**
 * Regenerates schema/rules.schema.json (the JSON Schema editors use for rules.yml, see its first
 * line) from the zod Config.  Run: npx tsx scripts/schema.ts   (--check: fail if it is stale)
 */
import { join } from 'node:path';
import { writeOrCheck } from './generated';
import { z } from 'zod';
import { Config } from '../shared/rules/schema';

export const SCHEMA_FILE = join(__dirname, '..', 'schema', 'rules.schema.json');

/** The schema text as checked in: what a user writes (io: input), transforms left open. */
export function rulesSchemaText(): string {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) writeOrCheck(SCHEMA_FILE, rulesSchemaText(), 'npx tsx scripts/schema.ts');
