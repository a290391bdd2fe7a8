/**
 * The example ids of the ack allowlists (shared/rules/ack-examples.ts): one list that the shipped
 * rules.yml and README's `ack:` snippet are held to, and that `validate` warns with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ACK_EXAMPLE_IDS, ackExampleWarnings, type AckListField } from '../../shared/rules/ack-examples';
import { parseRules } from '../../shared/rules/load';

const ROOT = join(__dirname, '..', '..');
const FIELDS = Object.keys(ACK_EXAMPLE_IDS) as AckListField[];

describe('example ids of the ack allowlists', () => {
  it("are what the shipped rules.yml carries: the first example of each list it sets, and nothing else", () => {
    const { ack } = parseRules(readFileSync(join(ROOT, 'rules.yml'), 'utf8'), 'rules.yml', { ssmPrefix: false });
    const set = FIELDS.filter((f) => ack[f] !== undefined);
    expect(set).toEqual(['slack_teams', 'slack_apps', 'pagerduty_services']);
    for (const f of set) expect(ack[f]).toEqual([ACK_EXAMPLE_IDS[f][0]]);
  });

  it("are what README's ack: snippet shows: every id in it is an example of its list", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const snippet = [...readme.matchAll(/```yaml\n(ack:\n[\s\S]*?)```/g)].map((m) => parse(m[1]).ack as Record<string, unknown>);
    expect(snippet.length).toBeGreaterThan(0);
    for (const ack of snippet) {
      const lists = FIELDS.filter((f) => Array.isArray(ack[f]));
      expect(lists.length).toBeGreaterThan(0);
      for (const f of lists) for (const id of ack[f] as string[]) expect({ f, id, example: ACK_EXAMPLE_IDS[f].includes(id) }).toEqual({ f, id, example: true });
    }
  });

  it('are valid ids (so a file carrying them loads, and the warning is what tells)', () => {
    const ack = FIELDS.map((f) => `  ${f}: [${ACK_EXAMPLE_IDS[f].join(', ')}]`).join('\n');
    const rules = `ack:\n  slack_signing_secret: { env: S }\n  pagerduty_webhook_secret: { env: P }\n${ack}\nrules:\n  - { name: r, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, tiers: { critical: { above: 5% } } }\n`;
    const config = parseRules(rules, 'rules.yml', { ssmPrefix: false });
    expect(ackExampleWarnings(config.ack)).toHaveLength(FIELDS.reduce((n, f) => n + ACK_EXAMPLE_IDS[f].length, 0));
  });

  it('each warns with its path (ack.<field>[i]), its id and what to put instead; real ids and an absent ack do not', () => {
    expect(ackExampleWarnings({ slack_teams: ['T0REAL1', 'T0EXAMPLE'], slack_apps: ['A0REAL1'], pagerduty_services: ['PEXAMPL'] })).toEqual([
      { path: ['ack', 'slack_teams', 1], id: 'T0EXAMPLE', message: expect.stringMatching(/^ack\.slack_teams\[1\] "T0EXAMPLE" is an example id: replace it with your Slack workspace's team id/) },
      { path: ['ack', 'pagerduty_services', 0], id: 'PEXAMPL', message: expect.stringMatching(/^ack\.pagerduty_services\[0\] "PEXAMPL" is an example id: replace it with the ids \(P…/) },
    ]);
    expect(ackExampleWarnings({ slack_teams: ['T0REAL1'], slack_users: ['U0ANA'] })).toEqual([]);
    expect(ackExampleWarnings(undefined)).toEqual([]);
    expect(ackExampleWarnings({})).toEqual([]);
  });
});
