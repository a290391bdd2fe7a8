/**
 * Day one as the README tells it: the SSM parameters its Deploy step 1 creates are exactly those the
 * shipped rules.yml reads (listed by `validate` from the same function), so a user who follows the
 * README deploys no receiver without its secret.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRulesFile } from '../../shared/rules/load';
import { secretsNeeded } from '../../shared/rules/secrets-needed';

const root = join(__dirname, '..', '..');

describe("README's secrets against the shipped rules.yml", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const step1 = readme.slice(readme.indexOf('1. Put the secrets in SSM Parameter Store'), readme.indexOf('2. Check the rules and deploy'));
  const created = [...step1.matchAll(/aws ssm put-parameter --type SecureString --name (\S+)/g)].map((m) => m[1]);

  it('creates every SSM parameter the shipped rules.yml reads, and no other', () => {
    const needed = secretsNeeded(loadRulesFile(join(root, 'rules.yml'))).flatMap((n) => (n.ssm ? [n.ssm] : []));
    expect(needed.length).toBeGreaterThan(0);
    expect(created).toEqual([...new Set(needed)]);
  });

  it('lists each reference with its place in the file', () => {
    const needs = secretsNeeded(loadRulesFile(join(root, 'rules.yml')));
    expect(needs).toContainEqual({ path: 'receivers[0].routing_key', receiver: 'pagerduty-oncall', ssm: '/bedrock-watch/pagerduty-routing-key' });
    expect(needs).toContainEqual({ path: 'ack.slack_signing_secret', ssm: '/bedrock-watch/slack-signing-secret' });
    expect(needs).toContainEqual({ path: 'receivers[5].topic_arn', receiver: 'sns-management', env: 'MANAGEMENT_TOPIC_ARN' });
  });
});
