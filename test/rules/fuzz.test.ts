/**
 * Property-based fuzzing of the rules loader (fast-check, fixed seed): random mutations of valid rules
 * files — keys deleted or renamed, values of the wrong type, random strings and numbers, tiers swapped,
 * lines re-indented, duplicated, dropped or cut — are each either valid (and load the same again after
 * re-serialisation) or rejected with RulesError problems located as rules.yml:line:col and naming the
 * field (or, for YAML syntax, saying so). Never another exception, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { RulesError } from '../../shared/rules/errors';
import { parseRules } from '../../shared/rules/load';

const SHIPPED = readFileSync(join(__dirname, '..', '..', 'rules.yml'), 'utf8');

/** The shipped file with its commented-out budget rule switched on. */
const WITH_BUDGET = SHIPPED.replace(/  # - name: bedrock-monthly-budget[\s\S]*?#   next_check: .*\n/, (block) => block.replace(/^  # ?/gm, '  '));

const SMALL = `settings:
  timezone: Europe/Berlin
receivers:
  - name: chat
    type: slack
    webhook_url: { env: SLACK_WEBHOOK_URL }
  - name: oncall
    type: pagerduty
    routing_key: { ssm: /bedrock-watch/pd }
routes:
  critical: [oncall, chat]
  warning: [chat]
inhibit:
  - source: { rule: errors, tier: critical }
    target: { rule: slow }
rules:
  - name: errors
    kind: ratio
    numerator: [InvocationServerErrors, InvocationClientErrors]
    denominator: Invocations
    models: { include: ['anthropic.*'], exclude: ['*haiku*'] }
    tiers:
      warning: { above: 2%, for: 10m }
      critical: { above: 10%, for: 5m }
    next_check: Look at the error codes.
  - name: slow
    kind: threshold
    metric: TimeToFirstToken
    stat: p90
    tiers:
      warning: { above: 3s, baseline_ratio: 2 }
    next_check: Check prompt sizes.
  - name: both
    kind: composite
    all: [{ rule: errors }, { rule: slow, tier: warning }]
    tiers: { critical: { for: 5m } }
    next_check: Both at once.
  - name: finish
    kind: completion
    tiers: { warning: { below: 90% } }
    next_check: See the stop reasons.
`;

const BASES = [SHIPPED, WITH_BUDGET, SMALL];
const RUNS = 500;
const SEED = 20261202;

type Path = (string | number)[];

/** Every value in the tree, by path (containers included). */
function paths(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (v && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  return [at];
}

const parentOf = (root: unknown, path: Path) => path.slice(0, -1).reduce<any>((o, k) => o?.[k], root);

const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1000, max: 100_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('5m', '0m', '-1s', '10%', '150%', '0.5', '10', '1e309', 'UTC', 'Europe/Berln', 'p95', 'ratio', 'threshold', 'arn:aws:sns:us-east-1:1:t.fifo', '/other/x', 'Invocations'),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 2 }),
);

const treeOp = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value }),
  fc.record({ op: fc.constant('rename' as const), pick: fc.nat(), name: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('tresholds', 'above', 'kind', 'ssm', 'for', 'equal')) }),
  fc.record({ op: fc.constant('swapTiers' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), pick: fc.nat() }),
);

const textOp = fc.oneof(
  fc.record({ op: fc.constant('indent' as const), line: fc.nat(), delta: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ op: fc.constant('tab' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('cut' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('insert' as const), pos: fc.nat(), text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom(':', '- ', '{', '}', '[', '"', "'", '#', '&a', '*a', '!!int', '\n', '  ')) }),
);

type TreeOp = typeof treeOp extends fc.Arbitrary<infer T> ? T : never;
type TextOp = typeof textOp extends fc.Arbitrary<infer T> ? T : never;

function applyTree(root: unknown, o: TreeOp): void {
  const all = paths(root).filter((p) => p.length > 0);
  if (!all.length) return;
  const path = all[o.pick % all.length];
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object') return;
  switch (o.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return;
    case 'set':
      parent[key] = o.value;
      return;
    case 'rename':
      if (!Array.isArray(parent) && o.name !== key) {
        parent[o.name] = parent[key];
        delete parent[key];
      }
      return;
    case 'duplicate':
      if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
      return;
    case 'swapTiers': {
      // Swap two tiers of some rule (the limits then usually run the wrong way).
      const tiers = all.map((p) => parentOf(root, [...p, 'x'])).filter((t) => t && typeof t === 'object' && ('warning' in t || 'critical' in t));
      const t = tiers[o.pick % Math.max(1, tiers.length)];
      if (t && t.warning && t.critical) [t.warning, t.critical] = [t.critical, t.warning];
      else if (t && t.info && t.warning) [t.info, t.warning] = [t.warning, t.info];
    }
  }
}

function applyText(text: string, o: TextOp): string {
  const lines = text.split('\n');
  const i = 'line' in o ? o.line % lines.length : 0;
  switch (o.op) {
    case 'indent':
      lines[i] = o.delta >= 0 ? ' '.repeat(o.delta) + lines[i] : lines[i].replace(new RegExp(`^ {0,${-o.delta}}`), '');
      return lines.join('\n');
    case 'tab':
      lines[i] = `\t${lines[i]}`;
      return lines.join('\n');
    case 'dropLine':
      lines.splice(i, 1);
      return lines.join('\n');
    case 'dupLine':
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    case 'cut': {
      const p = o.pos % Math.max(1, text.length);
      return text.slice(0, p) + text.slice(p + o.len);
    }
    case 'insert': {
      const p = o.pos % Math.max(1, text.length);
      return text.slice(0, p) + o.text + text.slice(p);
    }
  }
}

const mutant = fc
  .record({ base: fc.nat({ max: BASES.length - 1 }), tree: fc.array(treeOp, { maxLength: 3 }), text: fc.array(textOp, { maxLength: 2 }) })
  .map(({ base, tree, text }) => {
    let out = BASES[base];
    if (tree.length) {
      const root = parse(out);
      for (const o of tree) applyTree(root, o);
      out = stringify(root);
    }
    for (const o of text) out = applyText(out, o);
    return out;
  });

describe('bad input: rules file (fuzzed)', () => {
  const tally = { valid: 0, rejected: 0, yamlSyntax: 0 };

  it(`${RUNS} random mutations of 3 valid rules files (seed ${SEED}): each valid and stable, or rejected at file:line:col naming the field`, () => {
    for (const base of BASES) expect(() => parseRules(base)).not.toThrow();
    fc.assert(
      fc.property(mutant, (text) => {
        let config;
        try {
          config = parseRules(text, 'rules.yml');
        } catch (e) {
          if (!(e instanceof RulesError)) throw new Error(`not a RulesError: ${(e as Error)?.stack ?? String(e)}`);
          const lineCount = text.split('\n').length;
          expect(e.problems.length).toBeGreaterThan(0);
          for (const p of e.problems) {
            expect(p.file).toBe('rules.yml');
            expect(p.line).toBeGreaterThanOrEqual(1);
            expect(p.line).toBeLessThanOrEqual(lineCount + 1);
            expect(p.col).toBeGreaterThanOrEqual(1);
            expect(p.message.trim()).not.toBe('');
            // Syntax errors have no field yet; every other problem names one (the document root is '').
            if (!p.message.startsWith('YAML: ')) expect(p.path === '' ? `root: ${p.message}` : p.path).toMatch(/^(root: .*must be|[a-z_]+)/);
          }
          expect(e.message).toMatch(/^rules\.yml:\d+:\d+: /);
          expect(e.message).not.toMatch(/\n\s+at .+:\d+/);
          tally.rejected++;
          if (e.problems.every((p) => p.message.startsWith('YAML: '))) tally.yamlSyntax++;
          return;
        }
        // Valid: re-serialised, it loads to the same config.
        expect(parseRules(stringify(parse(text)), 'rules.yml')).toEqual(config);
        tally.valid++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(tally.valid + tally.rejected).toBe(RUNS);
    // Both outcomes happen: the mutations neither always break the file nor never do.
    expect(tally.valid).toBeGreaterThan(RUNS / 20);
    expect(tally.rejected - tally.yamlSyntax).toBeGreaterThan(RUNS / 4);
  });
});
