/**
 * The checker of templates against CloudFormation's own resource schemas (`@aws-cdk/aws-service-spec`,
 * offline; test/support/cfn-schema.ts) finds each kind of mistake. test/deploy/template.test.ts runs it
 * on the packaged dev and prod templates.
 */
import { checkTemplate, specDb } from '../support/cfn-schema';

describe('CloudFormation resource schema checker', () => {
  it('the checker finds each kind of mistake', () => {
    specDb();
    const bad = {
      Resources: {
        Table: {
          Type: 'AWS::DynamoDB::Table',
          DeletionPolicy: 'Keep',
          Properties: {
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH', Order: 1 }],
            BillingMode: 'PAY_PER_REQUEST',
            SSESpecification: { SSEEnabled: 'yes' },
            TimeToLive: { AttributeName: 'ttl' },
          },
        },
        Topic: { Type: 'AWS::SNS::Topik', Properties: {} },
        Fn: { Type: 'AWS::Lambda::Function', DependsOn: 'Nothing', Properties: { Role: { 'Fn::GetAtt': ['Table', 'Name'] }, Code: { ZipFile: 'x' }, PackageType: 'Tar', MemorySize: '256MB', Environment: { Variables: { A: { Ref: 'Missing' } } } } },
      },
    };
    expect(checkTemplate(bad)).toEqual([
      'Resources.Table.DeletionPolicy: "Keep" is not one of Delete, Retain, Snapshot, RetainExceptOnCreate',
      expect.stringMatching(/^Resources\.Table\.Properties\.KeySchema\[0\]\.Order: unknown property \(known: /),
      'Resources.Table.Properties.SSESpecification.SSEEnabled: must be a boolean, is "yes"',
      expect.stringMatching(/^Resources\.Table\.Properties\.TimeToLive: unknown property/),
      'Resources.Topic: unknown resource type AWS::SNS::Topik',
      'Resources.Fn.DependsOn: Nothing is no resource',
      expect.stringMatching(/^Resources\.Fn\.Properties\.Role: Fn::GetAtt Table\.Name: AWS::DynamoDB::Table has no attribute Name/),
      'Resources.Fn.Properties.PackageType: "Tar" is not one of Image, Zip',
      'Resources.Fn.Properties.MemorySize: must be an integer, is "256MB"',
      'Resources.Fn.Properties.Environment.Variables.A: Ref to "Missing", which is no resource, parameter or pseudo parameter',
    ]);
  }, 60_000);
});
