import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ackSecrets = require('../../scripts/ack-secrets.js') as (() => Promise<{ arns: { 'Fn::Sub': string }[] }>) & { ackSecretNames: (file?: string) => string[] };

const rulesFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bw-ack-secrets-')), 'rules.yml');
  writeFileSync(file, text);
  return file;
};

describe('the SSM parameters the ack role may read', () => {
  const before = process.env.RULES_FILE;
  afterEach(() => (before === undefined ? delete process.env.RULES_FILE : (process.env.RULES_FILE = before)));

  it("are exactly rules.yml's ack secrets kept in SSM, as parameter ARNs", async () => {
    process.env.RULES_FILE = rulesFile(`ack:
  slack_signing_secret: { ssm: /team-a/slack-signing }
  pagerduty_webhook_secret: { env: PD_WEBHOOK }
receivers:
  - { name: s, type: slack, webhook_url: { ssm: /team-a/slack-webhook } }
rules: []
`);
    expect(ackSecrets.ackSecretNames()).toEqual(['/team-a/slack-signing']);
    expect((await ackSecrets()).arns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/team-a/slack-signing' }]);
  });

  it('name a parameter nobody has when the ack function reads none from SSM (a statement needs a resource)', async () => {
    process.env.RULES_FILE = rulesFile('rules: []\n');
    expect((await ackSecrets()).arns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/bedrock-watch-ack-reads-no-parameter' }]);
  });
});
