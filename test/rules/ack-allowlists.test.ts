/** rules.yml `ack:`: the allowlists the ack endpoint checks are required with the secrets that turn it on. */
import { RulesError } from '../../shared/rules/errors';
import { parseRules } from '../../shared/rules/load';

const RULE = `rules:
  - { name: r, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, tiers: { critical: { above: 5% } } }
`;

function messages(ack: string): string[] {
  try {
    parseRules(`ack:\n${ack}${RULE}`, 'rules.yml', { ssmPrefix: false });
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    return (e as RulesError).message.split('\n');
  }
  return [];
}

describe('ack allowlists', () => {
  it('are required with the secret that enables each path, named with the field', () => {
    expect(messages('  slack_signing_secret: { env: S }\n')).toEqual([
      'rules.yml:2:3: ack.slack_teams required with slack_signing_secret: the Slack workspace ids (T…) whose button presses are accepted',
      'rules.yml:2:3: ack.slack_apps required with slack_signing_secret: the Slack app ids (A…) whose button presses are accepted',
    ]);
    expect(messages('  pagerduty_webhook_secret: { env: P }\n')).toEqual([
      'rules.yml:2:3: ack.pagerduty_services required with pagerduty_webhook_secret: the PagerDuty service ids (P…) bedrock-watch pages',
    ]);
  });

  it('take Slack and PagerDuty ids only, and at least one', () => {
    expect(messages('  slack_signing_secret: { env: S }\n  slack_teams: [acme]\n  slack_apps: []\n')).toEqual([
      'rules.yml:3:17: ack.slack_teams[0] must be a Slack team (workspace) id (T or E then upper-case letters and digits)',
      'rules.yml:4:15: ack.slack_apps needs at least one app id',
    ]);
    expect(messages('  pagerduty_webhook_secret: { env: P }\n  pagerduty_services: [my-service]\n')).toEqual([
      'rules.yml:3:24: ack.pagerduty_services[0] must be a PagerDuty service id (P then upper-case letters and digits, as in the service URL)',
    ]);
  });

  it('are accepted with their secrets, channels and users optional', () => {
    const c = parseRules(
      `ack:\n  slack_signing_secret: { env: S }\n  slack_teams: [T0123ABCD]\n  slack_apps: [A0123ABCD]\n  slack_users: [U0ANA]\n  pagerduty_webhook_secret: { env: P }\n  pagerduty_services: [PABC123]\n${RULE}`,
      'rules.yml',
      { ssmPrefix: false },
    );
    expect(c.ack).toMatchObject({ slack_teams: ['T0123ABCD'], slack_apps: ['A0123ABCD'], slack_users: ['U0ANA'], pagerduty_services: ['PABC123'] });
    expect(c.ack.slack_channels).toBeUndefined();
  });
});
