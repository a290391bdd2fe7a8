/**
 * `npm run package` refuses an invalid rules.yml before bundling: the functions load it at start, so a
 * bad one would ship a stack that fails every tick. Run on a copy of the layout (scripts/ and rules.yml
 * in a temporary root, the rest linked), so the repository's rules.yml is never touched.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('bad input: npm run package with an invalid rules.yml', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bw-package-rules-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(ROOT, 'scripts', 'package.js'), join(root, 'scripts', 'package.js'));
    for (const d of ['bin', 'shared', 'functions', 'node_modules']) symlinkSync(join(ROOT, d), join(root, d));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function pack(rules: string, args: string[] = []) {
    writeFileSync(join(root, 'rules.yml'), rules);
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'package.js'), ...args], { cwd: root, encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr };
  }

  it('exits 1 with the located error and packages nothing', () => {
    const shipped = readFileSync(join(ROOT, 'rules.yml'), 'utf8');
    const r = pack(shipped.replace('timezone: UTC', 'timezone: Europe/Berln'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rules\.yml:9:13: settings\.timezone unknown time zone "Europe\/Berln"/m);
    expect(r.stderr).toMatch(/package: rules\.yml is invalid \(see above\); nothing was packaged/);
    expect(existsSync(join(root, '.serverless'))).toBe(false);
  });

  it('checks SSM parameters against the stage prefix given with --param ssmPrefix=…', () => {
    const shipped = readFileSync(join(ROOT, 'rules.yml'), 'utf8');
    const r = pack(shipped, ['--stage', 'prod', '--param', 'ssmPrefix=/team-a', '--package', join(root, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/receivers\[0\]\.routing_key\.ssm SSM parameter \/bedrock-watch\/pagerduty-routing-key is outside \/team-a\//);
    expect(existsSync(join(root, 'out'))).toBe(false);
  });
});
