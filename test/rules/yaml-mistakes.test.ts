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
