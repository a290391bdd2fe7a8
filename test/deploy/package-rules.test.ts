/**
 * `npm run package` and `sls package` / `sls deploy` (osls) refuse an invalid rules.yml before bundling:
 * the functions load it at start, so a bad one would ship a stack that fails every tick. Run on a copy
 * of the layout (scripts/ and rules.yml in a temporary root, the rest linked), so the repository's
 * rules.yml and .serverless/ are never touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/**
 * The same through osls directly (what a CI deploy job runs): the serverless plugin
 * scripts/serverless-plugin.js validates before serverless-esbuild bundles anything. Before it,
 * the error was printed six times inside esbuild traces and the process never exited: a guard kills
 * the child after HANG_GUARD_MS and fails the test instead of letting jest hang.
 */
describe('bad input: sls package / sls deploy with an invalid rules.yml', () => {
  const HANG_GUARD_MS = 120_000; // it exits in ~5-10 s here; a hang was unbounded
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bw-sls-rules-'));
    cpSync(join(ROOT, 'scripts'), join(root, 'scripts'), { recursive: true });
    for (const f of ['serverless.yml', 'package.json', 'tsconfig.json']) copyFileSync(join(ROOT, f), join(root, f));
    for (const d of ['bin', 'shared', 'functions', 'resources', 'schema', 'node_modules']) symlinkSync(join(ROOT, d), join(root, d));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Runs `sls <args>` offline with dummy credentials; resolves with the exit code and output, or `killed` after the guard. */
  function sls(args: string[]): Promise<{ code: number | null; killed: boolean; out: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLYDUMMY', AWS_SECRET_ACCESS_KEY: 'dummy', AWS_EC2_METADATA_DISABLED: 'true', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: '1', FORCE_COLOR: '0' };
    for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'BEDROCK_WATCH_RULES', 'SSM_PREFIX', 'RULES_FILE']) delete env[k];
    env.AWS_CONFIG_FILE = env.AWS_SHARED_CREDENTIALS_FILE = join(root, 'no-aws-config');
    return new Promise((done) => {
      const child = spawn(join(root, 'node_modules', '.bin', 'sls'), args, { cwd: root, env, detached: true });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      let killed = false;
      const guard = setTimeout(() => {
        killed = true;
        process.kill(-child.pid!, 'SIGKILL'); // the whole group: sls and any esbuild service it started
      }, HANG_GUARD_MS);
      child.on('close', (code) => {
        clearTimeout(guard);
        done({ code, killed, out });
      });
    });
  }

  const shipped = () => readFileSync(join(ROOT, 'rules.yml'), 'utf8');
  const ERROR = /^rules\.yml:9:13: settings\.timezone unknown time zone "Europe\/Berln"/gm;

  it.each([['package'], ['deploy']])('sls %s exits 1 with the located error printed once, and bundles nothing', async (verb) => {
    writeFileSync(join(root, 'rules.yml'), shipped().replace('timezone: UTC', 'timezone: Europe/Berln'));
    const r = await sls([verb, '--stage', 'dev', '--region', 'us-east-1']);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.out.match(ERROR)).toHaveLength(1);
    expect(r.out).not.toMatch(/\[ERROR\]|Build failed|at \S+ \(/); // no esbuild report, no stack trace
    expect(existsSync(join(root, '.serverless', 'cloudformation-template-update-stack.json'))).toBe(false);
    expect(existsSync(join(root, '.esbuild'))).toBe(false);
  }, 2 * 120_000);

  it('sls package checks SSM parameters against the stage prefix (param ssmPrefix)', async () => {
    writeFileSync(join(root, 'rules.yml'), shipped());
    const r = await sls(['package', '--stage', 'dev', '--param', 'ssmPrefix=/team-a']);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/receivers\[0\]\.routing_key\.ssm SSM parameter \/bedrock-watch\/pagerduty-routing-key is outside \/team-a\//);
  }, 2 * 120_000);
});
