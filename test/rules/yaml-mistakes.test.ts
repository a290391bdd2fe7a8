/**
 * The rules-file mistakes a new user makes first (issue 19), each reported at the right place, in
 * words, with what to write instead.
 */
import { RulesError } from '../../shared/rules/errors';
import { parseRules } from '../../shared/rules/load';

function problems(text: string): string[] {
  try {
    parseRules(text, 'rules.yml', { ssmPrefix: false });
  } catch (e) {
    if (e instanceof RulesError) return e.problems.map((p) => `${p.line}:${p.col}: ${p.path ? `${p.path} ` : ''}${p.message}`);
    throw e;
  }
  return [];
}

const costRule = (above: string) => `rules:
  - name: spend
    kind: cost
    next_check: look at the spend
    tiers: { warning: { above: ${above}, for: 30m } }
`;

describe('rules.yml mistakes', () => {
  it('cost rules take the multiple as a percentage too: above: 130% is 1.3', () => {
    const config = parseRules(costRule('130%'), 'rules.yml', { ssmPrefix: false });
    expect((config.rules[0].tiers as { warning: { above: number } }).warning.above).toBeCloseTo(1.3);
    expect(problems(costRule('1.3'))).toEqual([]);
    expect(problems(costRule('lots'))).toEqual(['5:32: rules[0].tiers.warning.above must be a multiple of the baseline like 1.5, or a percentage of it like 150%']);
    expect(problems(costRule('0%'))).toEqual(['5:32: rules[0].tiers.warning.above must be more than 0 (a multiple of the baseline like 1.5, or 150%)']);
  });

  it('a bad time_intervals location repeats the bad value', () => {
    const text = `time_intervals:
  - name: nights
    time_intervals:
      - times: [{ start_time: '00:00', end_time: '06:00' }]
        location: Europe/Berln
${costRule('1.3')}`;
    expect(problems(text)).toEqual(['5:19: time_intervals[0].time_intervals[0].location unknown time zone "Europe/Berln": must be an IANA time zone like Europe/Berlin or America/New_York']);
  });
});

describe('YAML indentation mistakes: the first problem, in words, at the line that is wrong', () => {
  const receivers = (second: string) => `receivers:
  - name: chat
${second}    webhook_url: { env: SLACK_URL }
rules:
  - name: x
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: look
    tiers: { critical: { above: 5% } }
`;

  it('one space too many: the line itself, not the one before', () => {
    expect(problems(receivers('     type: slack\n'))).toEqual([
      '3:6: YAML: indented more than the line above (line 2, column 5): a field of the same block starts in the same column, and only a line ending with ":" opens a deeper one',
    ]);
  });

  it('one space too few: the columns it could line up with', () => {
    expect(problems(receivers('   type: slack\n'))).toEqual(['3:4: YAML: starts in column 4, which lines up with no field above it: start it in column 1, 3 or 5 (the fields it may belong with)']);
  });

  it('a tab', () => {
    expect(problems(receivers('\ttype: slack\n'))).toEqual(['3:1: YAML: indented with a tab: YAML indentation must be spaces']);
  });

  it('finds no indentation problem in well-formed files (the shipped rules.yml, serverless.yml)', () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const { indentationProblem } = require('../../shared/rules/yaml-problem') as typeof import('../../shared/rules/yaml-problem');
    for (const f of ['rules.yml', 'serverless.yml', 'resources/iam.yml', 'resources/self-monitoring.yml', 'deploy/member-account-role.yml']) {
      expect([f, indentationProblem(readFileSync(`${__dirname}/../../${f}`, 'utf8'))]).toEqual([f, null]);
    }
  });
});

describe('misspelled field names', () => {
  it('offers the field meant: min_request → min_requests, setings → settings', () => {
    const rule = `rules:
  - name: x
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: look
    min_request: 5
    tiers: { critical: { above: 5% } }
`;
    expect(problems(rule)).toEqual(['7:5: rules[0] unknown field "min_request": did you mean "min_requests"?']);
    expect(problems(`setings:\n  timezone: UTC\n${rule.replace('    min_request: 5\n', '')}`)).toEqual(['1:1: unknown field "setings": did you mean "settings"?']);
    // Nothing close: no guess.
    expect(problems(rule.replace('min_request', 'colour'))).toEqual(['7:5: rules[0] unknown field "colour"']);
  });
});

describe('fixed-offset time zones', () => {
  const { timeZoneWarnings, fixedOffsetZone } = require('../../shared/rules/timezones') as typeof import('../../shared/rules/timezones');

  it('warns about EST and the like, naming the IANA zone to use; real zones pass', () => {
    expect(fixedOffsetZone('EST')).toBe('"EST" is a fixed offset with no daylight saving time: use an IANA zone like America/New_York (or America/Panama to keep UTC-5 all year)');
    expect(fixedOffsetZone('Etc/GMT+5')).toMatch(/fixed offset/);
    for (const tz of ['UTC', 'America/New_York', 'Europe/Berlin', 'EST5EDT']) expect([tz, fixedOffsetZone(tz)]).toEqual([tz, undefined]);
  });

  it('validate prints the warning at the field and still exits 0', async () => {
    const { main } = require('../../shared/cli/main') as typeof import('../../shared/cli/main');
    const { mkdtempSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const file = `${mkdtempSync(`${require('node:os').tmpdir()}/bw-tz-`)}/rules.yml`;
    writeFileSync(file, `settings:\n  timezone: EST\n${costRule('1.3')}`);
    const err: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['validate', file])).toBe(0);
    } finally {
      jest.restoreAllMocks();
    }
    expect(err.join('')).toBe(`${file}:2:13: warning: settings.timezone "EST" is a fixed offset with no daylight saving time: use an IANA zone like America/New_York (or America/Panama to keep UTC-5 all year)\n`);
    expect(timeZoneWarnings(parseRules(`settings:\n  timezone: UTC\n${costRule('1.3')}`, 'rules.yml', { ssmPrefix: false }))).toEqual([]);
  });
});
