/** RELIABILITY.md is counted from the test run, not written by hand. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const script = join(root, 'scripts', 'reliability.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { tally, render } = require(script) as {
  tally: (r: unknown) => { kind: string; what: string; file: string; tests: number; passed: number; failed: number }[];
  render: (r: unknown, rows: unknown[], file: string) => string;
};

const test = (ancestorTitles: string[], status: string) => ({ ancestorTitles, title: 't', status });
const results = {
  startTime: Date.parse('2026-12-02T01:00:00Z'),
  numTotalTests: 7,
  numPassedTests: 6,
  numFailedTests: 1,
  testResults: [
    {
      name: join(root, 'test', 'run', 'faults.test.ts'),
      assertionResults: [
        test(['fault: PagerDuty down for 8 minutes'], 'passed'),
        test(['fault: PagerDuty down for 8 minutes'], 'failed'),
        test(['outer', 'fault: a throttled GetMetricData', 'inner'], 'passed'),
        test(['not tagged'], 'passed'),
      ],
    },
    {
      name: join(root, 'test', 'rules', 'load.test.ts'),
      assertionResults: [test(['Bad input: tiers | in the wrong order'], 'passed'), test(['bad input: tiers | in the wrong order'], 'passed'), test(['fault: x'], 'pending')],
    },
  ],
};

describe('the reliability table', () => {
  it('counts the tests of each fault: and bad input: block, passed and failed, innermost tag wins, untagged left out', () => {
    expect(tally(results)).toEqual([
      { kind: 'bad input', what: 'tiers | in the wrong order', file: 'test/rules/load.test.ts', tests: 1, passed: 1, failed: 0 },
      { kind: 'bad input', what: 'tiers | in the wrong order', file: 'test/rules/load.test.ts', tests: 1, passed: 1, failed: 0 },
      { kind: 'fault', what: 'x', file: 'test/rules/load.test.ts', tests: 1, passed: 0, failed: 0 }, // skipped: neither
      { kind: 'fault', what: 'a throttled GetMetricData', file: 'test/run/faults.test.ts', tests: 1, passed: 1, failed: 0 },
      { kind: 'fault', what: 'PagerDuty down for 8 minutes', file: 'test/run/faults.test.ts', tests: 2, passed: 1, failed: 1 },
    ]);
  });

  it('names files relative to the checkout the tests ran in, also when that was a clean clone elsewhere', () => {
    const clone = join(tmpdir(), 'cc');
    const moved = { ...results, testResults: results.testResults.map((f) => ({ ...f, name: join(clone, f.name.slice(root.length + 1)) })) };
    expect(tally(moved).map((r) => r.file)).toEqual(tally(results).map((r) => r.file));
    expect(tally(moved).every((r) => r.file.startsWith('test/'))).toBe(true);
  });

  it('renders the three guarantees and a row per block, escaping table pipes', () => {
    const md = render(results, tally(results), join(root, 'out', 'jest-results.json'));
    for (const g of ['At-least-once evaluation', 'Exactly-once effect per receiver where it deduplicates', 'Ordering per alert and receiver']) expect(md).toContain(`**${g}.**`);
    expect(md).toContain('| fault | PagerDuty down for 8 minutes | 2 | 1 | 1 | `test/run/faults.test.ts` |');
    expect(md).toContain('| bad input | tiers \\| in the wrong order | 1 | 1 | 0 | `test/rules/load.test.ts` |');
    expect(md).toContain('From the test run of 2026-12-02T01:00:00Z: 7 tests, 6 passed, 1 failed.');
    expect(md).toContain('Totals: 4 fault tests (2 passed, 1 failed), 2 bad-input tests (2 passed, 0 failed), in 5 blocks.');
  });

  it('writes the file from a results file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rel-'));
    writeFileSync(join(dir, 'r.json'), JSON.stringify(results));
    execFileSync(process.execPath, [script, '--results', join(dir, 'r.json'), '--out', join(dir, 'R.md')], { stdio: 'pipe' });
    expect(readFileSync(join(dir, 'R.md'), 'utf8')).toMatch(/^# Reliability\n/);
  });
});

describe('bad input: the reliability script', () => {
  it('without a results file says to run npm test, exits 1, no stack trace', () => {
    const r = spawnSync(process.execPath, [script, '--results', join(tmpdir(), 'no-such-results.json'), '--out', join(tmpdir(), 'never.md')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^reliability: cannot read .*no-such-results\.json \(ENOENT\); run `npm test` first/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown argument is a usage error: exit 2', () => {
    const r = spawnSync(process.execPath, [script, '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown argument "--bogus"/);
  });
});
