/**
 * Folding the CloudFormation conditions the params decide at package time (scripts/static-conditions.js,
 * run by scripts/serverless-plugin.js before the template is saved).
 */
const { foldStaticConditions } = require('../../scripts/static-conditions.js') as { foldStaticConditions: (t: any) => any };

const template = () => ({
  Conditions: {
    HasGroup: { 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] }, // param empty: false
    HasKey: { 'Fn::Not': [{ 'Fn::Equals': ['arn:aws:kms:us-east-1:123456789012:key/k', ''] }] }, // true
    Both: { 'Fn::And': [{ Condition: 'HasKey' }, { Condition: 'HasGroup' }] }, // false
    InUsEast1: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, // known only at deploy time
    EastWithKey: { 'Fn::And': [{ Condition: 'InUsEast1' }, { Condition: 'HasKey' }] },
  },
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyDocument: {
              Statement: [
                { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
                { 'Fn::If': ['HasGroup', { Effect: 'Allow', Action: 'logs:X', Resource: '' }, { Ref: 'AWS::NoValue' }] },
                { 'Fn::If': ['HasKey', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'k' }, { Ref: 'AWS::NoValue' }] },
                { 'Fn::If': ['InUsEast1', { Effect: 'Allow', Action: 'a:B', Resource: '*' }, { Ref: 'AWS::NoValue' }] },
              ],
            },
          },
        ],
        Description: { 'Fn::If': ['Both', 'x', { Ref: 'AWS::NoValue' }] },
      },
    },
    Filter: { Type: 'AWS::Logs::SubscriptionFilter', Condition: 'HasGroup', DependsOn: 'Perm', Properties: { LogGroupName: '' } },
    Perm: { Type: 'AWS::Lambda::Permission', Condition: 'HasGroup', Properties: {} },
    Key: { Type: 'AWS::KMS::Key', Condition: 'HasKey', Properties: {} },
    Regional: { Type: 'AWS::SNS::Topic', Condition: 'EastWithKey', Properties: {} },
    Fn: { Type: 'AWS::Lambda::Function', DependsOn: ['Role', 'Perm', 'Group'], Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Name: { 'Fn::Sub': '${Key}-x' } } },
  },
  Outputs: { GroupName: { Condition: 'HasGroup', Value: '' }, KeyArn: { Condition: 'HasKey', Value: { Ref: 'Key' } } },
});

describe('foldStaticConditions', () => {
  it('removes what a false condition guards, keeps what a true one guards (without the condition)', () => {
    const t = foldStaticConditions(template());
    expect(Object.keys(t.Resources).sort()).toEqual(['Fn', 'Key', 'Regional', 'Role']);
    expect(t.Resources.Key.Condition).toBeUndefined();
    expect(Object.keys(t.Outputs)).toEqual(['KeyArn']);
    expect(t.Outputs.KeyArn).toEqual({ Value: { Ref: 'Key' } });
  });

  it('takes the decided branch of Fn::If, AWS::NoValue dropping the list element or property', () => {
    const t = foldStaticConditions(template());
    expect(t.Resources.Role.Properties.Policies[0].PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'k' },
      { 'Fn::If': ['InUsEast1', { Effect: 'Allow', Action: 'a:B', Resource: '*' }, { Ref: 'AWS::NoValue' }] },
    ]);
    expect('Description' in t.Resources.Role.Properties).toBe(false);
  });

  it('keeps the conditions known only at deploy time, and the decided ones they refer to', () => {
    const t = foldStaticConditions(template());
    expect(Object.keys(t.Conditions).sort()).toEqual(['EastWithKey', 'HasKey', 'InUsEast1']);
    expect(t.Resources.Regional.Condition).toBe('EastWithKey');
  });

  it('drops DependsOn on removed resources and on resources a Ref, GetAtt or Sub already depends on', () => {
    const t = foldStaticConditions(template());
    expect(t.Resources.Fn.DependsOn).toEqual(['Group']);
  });

  it('removes the Conditions section when every condition is decided', () => {
    const t = template();
    delete (t.Conditions as any).InUsEast1;
    delete (t.Conditions as any).EastWithKey;
    delete (t.Resources as any).Regional;
    t.Resources.Role.Properties.Policies[0].PolicyDocument.Statement.pop();
    const folded = foldStaticConditions(t);
    expect(folded.Conditions).toBeUndefined();
    expect(JSON.stringify(folded)).not.toContain('Fn::If');
  });
});
