/**
 * The folder layout follows the data's path: source → evaluate → state → route → notify.
 * Types several stages share live in shared/core (the ground floor), so a stage imports only
 * core and the stages before it, never one after it; the pure stages import nothing from AWS
 * and never read the clock.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SHARED = join(__dirname, '..', 'shared');

/** Which shared/ folders each folder may import. Wiring folders (run, local, cli) may import any. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  pricing: ['core'],
  rules: ['core'],
  dynamo: ['core'],
  sources: ['core', 'rules', 'dynamo', 'pricing'],
  logs: ['core', 'pricing', 'dynamo', 'sources'],
  baselines: ['core', 'pricing'],
  engine: ['core', 'rules', 'baselines', 'pricing'],
  digest: ['core', 'baselines', 'pricing'],
  state: ['core', 'dynamo'],
  route: ['core', 'rules'],
  notify: ['core', 'rules'],
  ack: ['core', 'rules'],
  // Deploy-time builders (the dashboard body serverless.yml creates).
  deploy: ['core', 'pricing'],
  // The bundles' SNS and STS clients (a floor of their own): scripts/esbuild-plugins.js swaps them
  // in for @aws-sdk/client-sns and client-sts; no source imports them.
  aws: [],
};
const WIRING = new Set(['run', 'local', 'cli']);
const PURE = ['core', 'rules', 'baselines', 'engine', 'route', 'digest', 'pricing'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file: string) => relative(SHARED, file).split('/')[0];
const sources = files(SHARED).map((file) => ({ file, folder: folderOf(file), text: readFileSync(file, 'utf8') }));
const imports = (text: string) => [...text.matchAll(/(?:from|import|require\()\s*'([^']+)'/g)].map((m) => m[1]);

describe('layout', () => {
  test('every folder of shared/ has a place in the data path', () => {
    const unknown = [...new Set(sources.map((s) => s.folder))].filter((f) => !(f in ALLOWED) && !WIRING.has(f));
    expect(unknown).toEqual([]);
  });

  test('stages import only the ground floor and the stages before them', () => {
    const violations: string[] = [];
    for (const s of sources) {
      if (WIRING.has(s.folder)) continue;
      for (const spec of imports(s.text)) {
        if (!spec.startsWith('.')) continue;
        const target = folderOf(resolve(dirname(s.file), spec));
        if (target !== s.folder && !ALLOWED[s.folder]?.includes(target)) violations.push(`${relative(SHARED, s.file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('nothing imports shared/aws: only the bundler puts it in place of the SDK clients', () => {
    const FUNCTIONS = join(__dirname, '..', 'functions');
    const all = [...sources, ...files(FUNCTIONS).map((file) => ({ file, folder: '', text: readFileSync(file, 'utf8') }))];
    const violations: string[] = [];
    for (const s of all) {
      if (s.folder === 'aws') continue;
      for (const spec of imports(s.text)) if (spec.startsWith('.') && folderOf(resolve(dirname(s.file), spec)) === 'aws') violations.push(`${relative(join(SHARED, '..'), s.file)} imports ${spec}`);
    }
    expect(violations).toEqual([]);
    expect(readFileSync(join(__dirname, '..', 'scripts', 'esbuild-plugins.js'), 'utf8')).toMatch(/'shared', 'aws'/);
  });

  test('only shared/cli/root.ts reads __dirname: the CLI bundle (bin/bedrock-watch.js) defines it as that folder', () => {
    const readers = sources.filter((s) => /\b__(dirname|filename)\b/.test(s.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))).map((s) => relative(SHARED, s.file));
    expect(readers).toEqual(['cli/root.ts']);
    expect(readFileSync(join(__dirname, '..', 'bin', 'bedrock-watch.js'), 'utf8')).toMatch(/define: \{ __dirname: JSON\.stringify\(path\.join\(root, 'shared', 'cli'\)\) \}/);
  });

  test('the pure core imports nothing from AWS and never reads the clock', () => {
    const violations: string[] = [];
    for (const s of sources.filter((x) => PURE.includes(x.folder))) {
      if (imports(s.text).some((spec) => spec.startsWith('@aws-sdk/') || spec.startsWith('@aws-lambda-powertools/'))) violations.push(`${relative(SHARED, s.file)}: AWS import`);
      if (/Date\.now\(\)|new Date\(\)/.test(s.text)) violations.push(`${relative(SHARED, s.file)}: reads the clock`);
    }
    expect(violations).toEqual([]);
  });
});
