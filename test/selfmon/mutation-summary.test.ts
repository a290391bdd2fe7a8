/** The mutation score in RELIABILITY.md is computed from StrykerJS's report, and every survivor is listed with its reason. */
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const { summarize } = require(join(root, 'scripts', 'mutation-summary.js')) as { summarize: (reports: unknown[], reasons: Record<string, unknown>, meta?: object) => Summary };
const { mutationSection } = require(join(root, 'scripts', 'mutation-section.js')) as { mutationSection: (s: Summary | null, file?: string) => string[] };
const { render } = require(join(root, 'scripts', 'reliability.js')) as { render: (r: unknown, rows: unknown[], file: string, m?: Summary | null) => string };
/* eslint-enable @typescript-eslint/no-require-imports */

interface Counts { mutants: number; killed: number; survived: number; timeout: number; noCoverage: number; score: number | null }
interface Summary { total: Counts; folders: Record<string, Counts>; files: Record<string, Counts>; survivors: { key: string; original: string; replacement: string; verdict: string; reason: string | null; status: string }[] }

const at = (line: number, column: number, endColumn: number) => ({ start: { line, column }, end: { line, column: endColumn } });
const mutant = (id: string, status: string, mutatorName: string, location: ReturnType<typeof at>, replacement: string) => ({ id, status, mutatorName, location, replacement });
const report = {
  files: {
    'shared/run/deliver-outbox.ts': {
      source: 'const a = x >= y;\nif (down) return;\n',
      mutants: [
        mutant('1', 'Killed', 'EqualityOperator', at(1, 11, 17), 'x > y'),
        mutant('2', 'Survived', 'EqualityOperator', at(1, 11, 17), 'x < y'),
        mutant('3', 'Timeout', 'ConditionalExpression', at(2, 5, 9), 'true'),
        mutant('4', 'CompileError', 'BlockStatement', at(2, 11, 17), '{}'),
      ],
    },
    'shared/route/escalate.ts': { source: 'f(g.key)\n', mutants: [mutant('5', 'NoCoverage', 'StringLiteral', at(1, 3, 8), '""'), mutant('6', 'Killed', 'StringLiteral', at(1, 3, 8), '"x"')] },
  },
  framework: { name: 'StrykerJS', version: '10.0.0' },
  performance: { setup: 6000, initialRun: 120_000, mutation: 600_000 },
};
const reasons = { 'shared/run/deliver-outbox.ts:1:11 EqualityOperator': { verdict: 'equivalent', reason: 'x never exceeds y here' } };

describe('mutation summary', () => {
  const s = summarize([report], reasons, { command: 'npm run mutation' });

  it('counts each status and scores (killed + timeout) / (killed + timeout + survived + no coverage), per folder and in total', () => {
    expect(s.total).toMatchObject({ mutants: 6, killed: 2, timeout: 1, survived: 1, noCoverage: 1, score: 60 });
    expect(s.folders['shared/run']).toMatchObject({ mutants: 4, killed: 1, timeout: 1, survived: 1, score: 66.7 });
    expect(s.folders['shared/route']).toMatchObject({ mutants: 2, killed: 1, noCoverage: 1, score: 50 });
  });

  it('names every survivor (and uncovered mutant) with the code it changed, and its reason or that none is recorded', () => {
    expect(s.survivors).toEqual([
      { key: 'shared/route/escalate.ts:1:3 StringLiteral', status: 'NoCoverage', original: 'g.key', replacement: '""', verdict: 'no reason recorded', reason: null },
      { key: 'shared/run/deliver-outbox.ts:1:11 EqualityOperator', status: 'Survived', original: 'x >= y', replacement: 'x < y', verdict: 'equivalent', reason: 'x never exceeds y here' },
    ]);
  });

  it("renders RELIABILITY.md's section: the score, a row per folder and file, a row per survivor", () => {
    const md = render({ testResults: [] }, [], join(root, 'out', 'jest-results.json'), s);
    expect(md).toContain('## Mutation testing');
    expect(md).toContain('**Score: 60%** — 6 mutants: 2 killed, 1 timeout, 1 survived, 1 no coverage, 1 errors.');
    expect(md).toContain('| **shared/run/** | 4 | 1 | 1 | 1 | 0 | 66.7% |');
    expect(md).toContain('| `shared/route/escalate.ts` | 2 | 1 | 0 | 0 | 1 | 50% |');
    expect(md).toContain('| `shared/run/deliver-outbox.ts:1:11 EqualityOperator` | `x >= y` → `x < y` | Survived | equivalent | x never exceeds y here |');
    expect(md).toContain('initial test run 2 min, mutants 10 min');
  });

  it('keeps the files of an earlier summary that no report given now covers (--carry), with their survivors and current reasons', () => {
    const earlier = summarize([{ files: { 'shared/route/silences.ts': { source: 'a && b\n', mutants: [mutant('7', 'Survived', 'LogicalOperator', at(1, 1, 7), 'a || b'), mutant('8', 'Killed', 'ConditionalExpression', at(1, 1, 2), 'true')] }, 'shared/route/escalate.ts': report.files['shared/route/escalate.ts'] } }], {}, { command: 'earlier run', when: '2026-12-06T04:03:57Z' });
    const now = summarize([report], { ...reasons, 'shared/route/silences.ts:1:1 LogicalOperator': { verdict: 'equivalent', reason: 'b implies a' } }, { carry: earlier, scope: ['shared/route/silences.ts', 'shared/route/escalate.ts', 'shared/route/groups.ts'] }) as Summary & { carriedFrom: { files: string[]; command: string }; notRunYet: string[] };
    expect(now.carriedFrom).toMatchObject({ files: ['shared/route/silences.ts'], command: 'earlier run' });
    expect(now.files['shared/route/silences.ts']).toMatchObject({ mutants: 2, killed: 1, survived: 1, score: 50 });
    expect(now.files['shared/route/escalate.ts']).toMatchObject({ mutants: 2 }); // from the report given now, not added twice
    expect(now.total).toMatchObject({ mutants: 8, killed: 3, survived: 2 });
    expect(now.survivors.find((v) => v.key === 'shared/route/silences.ts:1:1 LogicalOperator')).toMatchObject({ verdict: 'equivalent', reason: 'b implies a', original: 'a && b' });
    expect(now.notRunYet).toEqual(['shared/route/groups.ts']);
    expect(mutationSection(now as Summary).join('\n')).toContain('Carried from an earlier run (2026-12-06T04:03:57Z; `earlier run`), not re-run with the rest: `shared/route/silences.ts`.');
  });

  it('without a summary the section says how to make one', () => {
    expect(mutationSection(null).join('\n')).toContain('run `npm run mutation`, then `node scripts/mutation-summary.js`');
  });
});

describe('the committed summary (docs/mutation.json)', () => {
  it('names every surviving mutant with a verdict and a reason', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const committed = require(join(root, 'docs', 'mutation.json')) as Summary;
    expect(committed.total.mutants).toBeGreaterThan(0);
    expect(committed.survivors.filter((s) => !s.reason || s.verdict === 'no reason recorded').map((s) => s.key)).toEqual([]);
  });
});
