import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rulesSchemaText, SCHEMA_FILE } from '../../scripts/schema';
import { REFERENCE_FILE, rulesReferenceText } from '../../scripts/rules-reference';

describe('schema/rules.schema.json', () => {
  it('is up to date with the zod Config (regenerate: npx tsx scripts/schema.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(rulesSchemaText());
  });

  it('is the schema rules.yml points editors at', () => {
    const first = readFileSync(join(__dirname, '..', '..', 'rules.yml'), 'utf8').split('\n')[0];
    expect(first).toBe('# yaml-language-server: $schema=./schema/rules.schema.json');
  });
});

describe('docs/rules-reference.md', () => {
  it('is generated from the same schema (regenerate: npx tsx scripts/rules-reference.ts)', () => {
    expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(rulesReferenceText());
  });

  it('lists every top-level section, every receiver type and every rule kind', () => {
    const text = rulesReferenceText();
    for (const section of ['settings', 'receivers', 'routes', 'route', 'time_intervals', 'inhibit', 'escalation', 'ack', 'pricing', 'rules']) expect(text).toContain(`## \`${section}\``);
    for (const type of ['slack', 'pagerduty', 'sns']) expect(text).toContain(`### receiver \`type: ${type}\``);
    for (const kind of ['threshold', 'ratio', 'absent', 'cost', 'baseline', 'budget', 'week_over_week', 'composite', 'completion', 'caller_spend']) expect(text).toContain(`### rule \`kind: ${kind}\``);
  });
});
