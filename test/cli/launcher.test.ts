/**
 * bin/bedrock-watch.js runs a bundle of the CLI's sources, built on the first run after they change
 * (node_modules/.cache/bedrock-watch). A bundle that outlived an edit would run old code without a
 * word: here a copy of the sources is edited between two runs, and the second run must show the edit;
 * the sources through tsx (BEDROCK_WATCH_TSX=1) and the bundle must answer alike, paths included.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');

function run(root: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'bedrock-watch.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the CLI launcher (bin/bedrock-watch.js)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'bw-launcher-'));
    for (const dir of ['bin', 'shared', 'functions', 'events', 'resources', 'deploy']) if (existsSync(path.join(REPO, dir))) cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
    for (const file of ['rules.yml', 'package.json', 'serverless.yml']) if (existsSync(path.join(REPO, file))) cpSync(path.join(REPO, file), path.join(root, file));
    // Packages from the checkout; the bundle cache is then the checkout's too (the copy's path is in each bundle's name).
    symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  });
  afterAll(() => {
    const cache = path.join(REPO, 'node_modules', '.cache', 'bedrock-watch');
    // The copy's bundles (its path hashed in) are the ones made last; drop them with the copy.
    if (existsSync(cache)) for (const f of readdirSync(cache)) if (readFileSync(path.join(cache, f), 'utf8').includes(root)) rmSync(path.join(cache, f), { force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('rebuilds the bundle when a source changes, and runs the new code', () => {
    const first = run(root, ['--help']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^usage: bedrock-watch <command>/);
    const main = path.join(root, 'shared', 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace('usage: bedrock-watch <command>', 'usage (edited): bedrock-watch <command>'));
    const second = run(root, ['--help']);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^usage \(edited\): bedrock-watch <command>/);
  }, 60_000);

  it('runs a whole bundle in each of the processes starting together after an edit (each build is written aside, then renamed)', async () => {
    const main = path.join(root, 'shared', 'cli', 'main.ts');
    writeFileSync(main, readFileSync(main, 'utf8').replace(/usage( \(edited\))?: bedrock-watch <command>/, 'usage (together): bedrock-watch <command>'));
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, 'bin', 'bedrock-watch.js'), '--help'], { cwd: root });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      })),
    );
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage \(together\): bedrock-watch <command>/);
    }
  }, 60_000);

  it('answers as the sources through tsx do, files found from the checkout root included', () => {
    // cost reads the pricing file and serverless.yml's template from the root: a wrong root fails it.
    const args = ['cost', '--models', '3', '--profile', 'typical', '--json'];
    const bundle = run(root, args);
    const tsx = run(root, args, { BEDROCK_WATCH_TSX: '1' });
    expect(bundle.err).toBe('');
    expect(bundle.code).toBe(0);
    expect(JSON.parse(bundle.out).models).toBe(3);
    expect(bundle.out).toBe(tsx.out);
  }, 60_000);

  it('hashes every file the bundle holds: each module esbuild bundles is under shared/ or functions/', () => {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const r = esbuild.buildSync({ entryPoints: [path.join(REPO, 'shared', 'cli', 'main.ts')], absWorkingDir: REPO, bundle: true, platform: 'node', format: 'cjs', packages: 'external', write: false, metafile: true, outfile: 'cli.js', logLevel: 'silent' });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(50);
    // bin/bedrock-watch.js hashes these folders (BUNDLED_DIRS): a module elsewhere would go stale unseen.
    expect(readFileSync(path.join(REPO, 'bin', 'bedrock-watch.js'), 'utf8')).toMatch(/const BUNDLED_DIRS = \['shared', 'functions'\];/);
    expect(inputs.filter((f) => !/^(shared|functions)\//.test(f))).toEqual([]);
  });

  it('falls back to the sources through tsx when it cannot bundle them, saying why when asked', () => {
    const main = path.join(root, 'shared', 'cli', 'main.ts');
    const text = readFileSync(main, 'utf8');
    // A module the bundler cannot resolve: tsx only fails when it is required, which --help never does.
    writeFileSync(main, `${text}\nexport const unused = () => require('./no-such-module');\n`);
    try {
      const r = run(root, ['--help'], { BEDROCK_WATCH_DEBUG: '1' });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/usage/);
      expect(r.err).toMatch(/running the sources through tsx: cannot bundle them/);
    } finally {
      writeFileSync(main, text);
    }
  }, 60_000);
});
