import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesSchemaText, SCHEMA_FILE } from '../../scripts/schema';

describe('schema/rules.schema.json', () => {
  it('is up to date with the zod Config (regenerate: npx tsx scripts/schema.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(rulesSchemaText());
  });

  it('is the schema rules.yml points editors at', () => {
    const first = readFileSync(join(__dirname, '..', '..', 'rules.yml'), 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=./schema/rules.schema.json');
  });
});
