/** The SSM prefix `validate` checks against is the one serverless.yml grants: one constant, kept in step here. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { SSM_PREFIX } from '../../shared/rules/secret-ref';

describe('SSM_PREFIX', () => {
  const text = readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8');
  // CloudFormation tags (!Ref, !Sub…) are unknown to plain YAML: read them as plain values.
  const doc = parseDocument(text, { customTags: ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'Join', 'Select', 'Split', 'FindInMap', 'ImportValue', 'GetAZs', 'Condition', 'And', 'Or', 'Base64', 'Cidr'].flatMap((t) => [
    { tag: `!${t}`, resolve: (v: string) => v },
    { tag: `!${t}`, collection: 'seq' as const, resolve: (v: unknown) => v },
  ]) as never });

  it('is the default ssmPrefix param of serverless.yml', () => {
    expect(doc.getIn(['params', 'default', 'ssmPrefix'])).toBe(SSM_PREFIX);
  });

  it('is what the IAM policy lets the functions read (parameter${ssmPrefix}/*)', () => {
    // The functions' roles are in resources/iam.yml (test/deploy/template.test.ts checks the packaged grant).
    const iam = readFileSync(join(__dirname, '..', '..', 'resources', 'iam.yml'), 'utf8');
    expect(iam).toMatch(/:parameter\$\{param:ssmPrefix\}\/\*/);
  });
});
