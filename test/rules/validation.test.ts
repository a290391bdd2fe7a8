/**
 * What `validate` must catch before a deploy: each of these passed validation once and then failed
 * every tick, or silently did nothing, or failed only when an alert was being delivered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RulesError, type RulesProblem } from '../../shared/rules/errors';
import { parseRules } from '../../shared/rules/load';
import { knownNames, unknownLabel, unknownRule } from '../../shared/rules/references';
import { SSM_PREFIX, pagerDutyKeyProblem } from '../../shared/rules/secret-ref';

const SHIPPED = readFileSync(join(__dirname, '..', '..', 'rules.yml'), 'utf8');

/** The shipped rules.yml with one edit; the edit must apply (a stale test would pass for nothing). */
function edited(from: string, to: string): string {
  expect(SHIPPED).toContain(from);
  return SHIPPED.replace(from, to);
}

function problems(text: string, opts = {}): RulesProblem[] {
  try {
    parseRules(text, 'rules.yml', opts);
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    return (e as RulesError).problems;
  }
  throw new Error('expected the rules to be rejected');
}

/** The one line `validate` would print, as `rules.yml:line:col: path message`. */
const only = (text: string, opts = {}): string => {
  const ps = problems(text, opts);
  expect(ps).toHaveLength(1);
  return new RulesError(ps).message;
};

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('bad input: rules file semantics', () => {
  it('accepts the shipped rules.yml (the base of every case below)', () => {
    expect(() => parseRules(SHIPPED)).not.toThrow();
  });

  it('refuses a time zone Intl does not know, instead of a RangeError on every tick', () => {
    const text = edited('timezone: UTC', 'timezone: Europe/Berln');
    expect(only(text)).toBe(
      `rules.yml:${lineOf(text, 'Europe/Berln')}:13: settings.timezone unknown time zone "Europe/Berln": use an IANA name like UTC, Europe/Berlin or America/New_York`,
    );
    expect(() => parseRules(edited('timezone: UTC', 'timezone: Europe/Berlin'))).not.toThrow();
  });

  it.each([
    ['ratio above', 'warning: { above: 1% }\n      critical: { above: 10% }', 'warning: { above: 50% }\n      critical: { above: 10% }', 'rules[0].tiers.critical.above critical above 10% is below warning\'s 50%'],
    ['threshold above (time)', 'warning: { above: 5s, baseline_ratio: 1.5 }', 'warning: { above: 20s, baseline_ratio: 1.5 }', "rules[3].tiers.critical.above critical above 10s is below warning's 20s"],
    ['cost above', 'warning: { above: 1.3, for: 30m }', 'warning: { above: 1.8, for: 30m }', "critical above 1.5 is below warning's 1.8"],
    ['completion below', 'critical: { below: 80%, for: 15m }', 'critical: { below: 97%, for: 15m }', "rules[11].tiers.critical.below critical below 97% is above warning's 95%"],
  ])('refuses tiers in the wrong order for the direction: %s', (_what, from, to, says) => {
    const text = edited(from, to);
    const [p, ...more] = problems(text);
    expect(more).toEqual([]);
    expect(p.path).toMatch(/^rules\[\d+\]\.tiers\.critical\.(above|below)$/);
    expect(new RulesError([p]).message).toContain(says);
    expect(p.message).toMatch(/a higher tier needs a stricter limit/);
  });

  it('accepts equal limits on two tiers (a longer `for` can make the difference)', () => {
    expect(() => parseRules(edited('warning: { above: 1% }\n      critical: { above: 10%', 'warning: { above: 10%, for: 10m }\n      critical: { above: 10%'))).not.toThrow();
  });

  it('refuses a budget whose critical share is below its warning share', () => {
    const text = SHIPPED.replace(/  # - name: bedrock-monthly-budget[\s\S]*?#   next_check: .*\n/, (block) => block.replace(/^  # ?/gm, '  ').replace('spent_above: 90%', 'spent_above: 60%'));
    expect(text).toContain('  - name: bedrock-monthly-budget');
    expect(problems(text).map((p) => `${p.path} ${p.message.split(':')[0]}`)).toEqual(["rules[11].tiers.critical.spent_above critical spent_above 60% is below warning's 75%"]);
  });

  it.each([
    ['10', '10 would be read as 1000%: a rate is at most 1; write 10% for 10 percent (or the fraction 0.1)'],
    ['1.5', '1.5 would be read as 150%: a rate is at most 1; write 1.5% for 1.5 percent (or the fraction 0.015)'],
    ['150%', '150% is more than 100%: a rate is at most 100%'],
  ])('refuses a ratio limit %s that no rate can reach, with the fix', (value, says) => {
    const text = edited('critical: { above: 10% }', `critical: { above: ${value} }`);
    const line = lineOf(text, `above: ${value} }`);
    expect(only(text)).toBe(`rules.yml:${line}:26: rules[0].tiers.critical.above ${says}`);
  });

  it('still reads a fraction at most 1 as a fraction', () => {
    const config = parseRules(edited('critical: { above: 10% }', 'critical: { above: 0.1 }'));
    expect(config.rules[0]).toMatchObject({ tiers: { critical: { above: 0.1 } } });
    expect(() => parseRules(edited('warning: { below: 95%, for: 10m }', 'warning: { below: 95, for: 10m }'))).toThrow(/write 95% for 95 percent/);
  });

  it('refuses an inhibit rule naming a rule that does not exist, suggesting the near one', () => {
    const text = edited('target: { rule: bedrock-time-to-first-token }', 'target: { rule: bedrock-time-to-first-tokn }');
    expect(only(text)).toBe(
      `rules.yml:${lineOf(text, 'first-tokn')}:21: inhibit[0].target.rule unknown rule "bedrock-time-to-first-tokn": did you mean "bedrock-time-to-first-token"?`,
    );
    expect(only(edited('source: { rule: bedrock-latency-p95 }', 'source: { rule: latency }'))).toMatch(/inhibit\[0\]\.source\.rule unknown rule "latency": the rules are "bedrock-throttles", /);
  });

  it('refuses an inhibit `equal` label no alert carries', () => {
    const text = edited('equal: [ModelId]', 'equal: [model]');
    expect(only(text)).toBe(`rules.yml:${lineOf(text, 'equal: [model]')}:13: inhibit[0].equal[0] no alert carries the label "model": the labels are "AccountId", "ModelId", "Region", "alertname", "budget", "caller", "rule", "severity", "signal" (a rule adds its own with labels:)`);
  });

  it.each([
    ['an SSM parameter outside the prefix', 'routing_key: { ssm: /bedrock-watch/pagerduty-routing-key }', 'routing_key: { ssm: /pagerduty/routing-key }', 'receivers[0].routing_key.ssm SSM parameter /pagerduty/routing-key is outside /bedrock-watch/, the only path the functions may read'],
    ['a prefix look-alike', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: { ssm: /bedrock-watch-prod/slack }', 'receivers[1].webhook_url.ssm SSM parameter /bedrock-watch-prod/slack is outside /bedrock-watch/'],
  ])('refuses %s the IAM policy does not grant', (_what, from, to, says) => {
    expect(only(edited(from, to))).toContain(says);
  });

  it('checks SSM parameters against the prefix of the stage when told it, or not at all', () => {
    const text = SHIPPED.replaceAll('ssm: /bedrock-watch/', 'ssm: /team-a/');
    expect(() => parseRules(text, 'rules.yml', { ssmPrefix: '/team-a' })).not.toThrow();
    expect(() => parseRules(text, 'rules.yml', { ssmPrefix: false })).not.toThrow();
    expect(problems(SHIPPED, { ssmPrefix: '/team-a' }).map((p) => p.path)).toEqual([
      'receivers[0].routing_key.ssm',
      'receivers[1].webhook_url.ssm',
      'receivers[2].webhook_url.ssm',
      'receivers[4].webhook_url.ssm',
      'receivers[6].routing_key.ssm',
      'ack.slack_signing_secret.ssm',
      'ack.pagerduty_webhook_secret.ssm',
    ]);
    expect(SSM_PREFIX).toBe('/bedrock-watch');
  });

  it('refuses an SNS FIFO topic (every publish would fail without a MessageGroupId)', () => {
    const text = edited('    type: sns               # the stack', '    topic_arn: arn:aws:sns:us-east-1:123456789012:alerts.fifo\n    type: sns               # the stack');
    expect(only(text)).toBe(
      `rules.yml:${lineOf(text, 'alerts.fifo')}:16: receivers[3].topic_arn is a FIFO topic (.fifo): every publish would fail without a MessageGroupId; use a standard SNS topic`,
    );
  });

  it.each([
    ['a plain string where a secret reference belongs', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: https://hooks.slack.com/services/T0/B0/x', 'receivers[1].webhook_url must say where the secret is kept, not hold it: write { ssm: /parameter/path } (an SSM SecureString) or { env: VARIABLE_NAME }'],
    ['{ ssm: } with no path', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: { ssm: }', 'receivers[1].webhook_url ssm needs a parameter path, like { ssm: /bedrock-watch/slack-webhook-url }'],
    ['a relative SSM path', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: { ssm: bedrock-watch/slack }', 'receivers[1].webhook_url.ssm ssm parameter path must start with "/", like /bedrock-watch/bedrock-watch/slack'],
    ['an empty env', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: { env: "" }', 'receivers[1].webhook_url.env env needs an environment variable name'],
    ['both ssm and env', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: { ssm: /bedrock-watch/x, env: X }', 'receivers[1].webhook_url give either ssm or env, not both'],
    ['a misspelt key', 'webhook_url: { ssm: /bedrock-watch/slack-webhook-url }', 'webhook_url: { smm: /bedrock-watch/x }', 'receivers[1].webhook_url must be a secret reference: write { ssm: /parameter/path }'],
    ['a PagerDuty routing key written in the file, of the wrong length', 'routing_key: { ssm: /bedrock-watch/pagerduty-routing-key }', 'routing_key: abc123', 'receivers[0].routing_key must say where the secret is kept, not hold it: write { ssm: /parameter/path } (an SSM SecureString) or { env: VARIABLE_NAME } (and a PagerDuty routing key is 32 characters, this is 6)'],
  ])('says which secret forms are accepted for %s', (_what, from, to, says) => {
    expect(only(edited(from, to))).toMatch(new RegExp(`^rules\\.yml:\\d+:\\d+: ${says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('names a PagerDuty routing key of the wrong form once it is resolved from SSM or the environment', () => {
    expect(pagerDutyKeyProblem('R0UT1NGKEY0123456789abcdefABCDEF')).toBeNull();
    expect(pagerDutyKeyProblem('R0UT1NGKEY0123456789abcdefABCDE')).toBe('is not a PagerDuty routing key: one is 32 characters, this value has 31');
    expect(pagerDutyKeyProblem('https://events.pagerduty.com/v2/')).toBe('is not a PagerDuty routing key: one is 32 letters and digits');
  });

  it('refuses a literal 32-character routing key too: the file is not the place for it', () => {
    expect(only(edited('routing_key: { ssm: /bedrock-watch/pagerduty-routing-key }', 'routing_key: R0UT1NGKEY0123456789abcdefABCDEF'))).toMatch(/must say where the secret is kept, not hold it: write \{ ssm: .*\}$/);
  });
});

describe('references to rules and labels (reusable for any matcher syntax)', () => {
  const known = knownNames([
    { name: 'latency', kind: 'threshold' },
    { name: 'spend', kind: 'caller_spend' },
    { name: 'budget', kind: 'budget', per_model: false },
  ]);

  it('knows every rule and the labels its alerts carry', () => {
    expect(known).toEqual({ rules: ['latency', 'spend', 'budget'], labels: ['ModelId', 'budget', 'caller'] });
    expect(unknownRule('latency', known)).toBeNull();
    expect(unknownLabel('caller', known)).toBeNull();
  });

  it('names what is unknown, with a suggestion or the list', () => {
    expect(unknownRule('latncy', known)).toBe('unknown rule "latncy": did you mean "latency"?');
    expect(unknownRule('errors', known)).toBe('unknown rule "errors": the rules are "latency", "spend", "budget"');
    expect(unknownLabel('modelid', known)).toBe('no alert carries the label "modelid": did you mean "ModelId"?');
  });
});
