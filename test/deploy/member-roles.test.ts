import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { memberRoleArns } = require('../../scripts/member-roles.js') as { memberRoleArns: (file?: string) => string[] };

const rulesFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bw-roles-')), 'rules.yml');
  writeFileSync(file, text);
  return file;
};

describe('the member-account roles evaluate may assume', () => {
  it('are the role_arn values of settings.accounts, once each', () => {
    const file = rulesFile(`settings:
  regions: [us-east-1, eu-west-1]
  accounts:
    - id: "222222222222"
      role_arn: arn:aws:iam::222222222222:role/bedrock-watch-reader
      external_id: abc
    - id: "333333333333"
    - id: "444444444444"
      role_arn: arn:aws:iam::444444444444:role/bedrock-watch-reader
rules: []
`);
    expect(memberRoleArns(file)).toEqual(['arn:aws:iam::222222222222:role/bedrock-watch-reader', 'arn:aws:iam::444444444444:role/bedrock-watch-reader']);
  });

  it('are none for the shipped rules.yml', () => {
    expect(memberRoleArns(join(__dirname, '..', '..', 'rules.yml'))).toEqual([]);
  });

  it('the member-account template grants only GetMetricData and ListMetrics, behind an external id', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'deploy', 'member-account-role.yml'), 'utf8');
    // CloudFormation short tags (!Ref, !Sub, !GetAtt) read as plain strings here.
    const tags = ['Ref', 'Sub', 'GetAtt'].map((tag) => ({ tag: `!${tag}`, resolve: (v: string) => `${tag}(${v})` }));
    const t = parse(text, { customTags: tags });
    const role = t.Resources.ReaderRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'Ref(ExternalId)' } });
    const statements = role.Policies.flatMap((p: { PolicyDocument: { Statement: object[] } }) => p.PolicyDocument.Statement);
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], Resource: '*' }]);
  });
});
