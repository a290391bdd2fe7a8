/**
 * What Node the project supports, and npm's install-script decisions, stay written down: every
 * locked package with an install script has an allowScripts decision (else `npm install` warns, and
 * npm 12 blocks it), and the runtime the functions deploy on is the one the README and the bundles name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

describe('Node and npm support', () => {
  it('decides allowScripts for every locked package with an install script, and for no other', () => {
    const withScripts = new Set(
      Object.entries<any>(lock.packages)
        .filter(([path, p]) => path && p.hasInstallScript)
        .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    expect(Object.keys(pkg.allowScripts ?? {}).sort()).toEqual([...withScripts].sort());
  });

  it('supports Node >= 20.19 locally and deploys the functions on nodejs22.x, bundled for node22', () => {
    expect(pkg.engines.node).toBe('>=20.19');
    const sls = parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { customTags: ['Ref', 'GetAtt', 'Sub', 'If', 'Not', 'Equals', 'Split'].map((t) => ({ tag: `!${t}`, resolve: (v: unknown) => v })), logLevel: 'error' });
    expect(sls.provider.runtime).toBe('nodejs22.x');
    expect(sls.custom.esbuild.target).toBe('node22');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('Node.js 20.19 or newer');
    expect(readme).toContain('`nodejs22.x`');
  });
});
