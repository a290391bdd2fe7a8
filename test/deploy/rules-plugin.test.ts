/**
 * The esbuild plugins serverless.yml gives serverless-esbuild (custom.esbuild.plugins): the rules
 * file is validated and compiled into each bundle at package time, so zod and yaml stay out of the
 * Lambda bundles and a bad rules file fails the build naming file:line:col.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const { options } = require(join(root, 'scripts', 'bundle-report.js')) as { options: (fn: string, outdir: string) => Parameters<typeof build>[0] };
const plugins = (): Parameters<typeof build>[0]['plugins'] => {
  // The plugin reads BEDROCK_WATCH_RULES when the build starts: a fresh copy per build.
  delete require.cache[require.resolve(join(root, 'scripts', 'esbuild-plugins.js'))];
  return require(join(root, 'scripts', 'esbuild-plugins.js'));
};

describe('bundles built with the packaging plugins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-plugins-'));
  afterEach(() => delete process.env.BEDROCK_WATCH_RULES);

  it.each(['evaluate', 'baseline', 'digest', 'ingest', 'ack'])('%s imports neither zod nor yaml, nor the SSO/STS credential chain', async (fn) => {
    const r = await build({ ...options(fn, dir), plugins: plugins() });
    const inputs = Object.keys(r.metafile!.inputs);
    expect(inputs.filter((i) => /node_modules\/(zod|yaml|@aws-sdk\/(nested-clients|credential-provider-(sso|ini|node)))\//.test(i))).toEqual([]);
  }, 120_000);

  it.each(['evaluate', 'baseline', 'digest', 'ingest', 'ack'])('%s holds no SNS, STS or SSM client, nor the SDK query/XML protocol code (shared/aws and notify/ssm-get.ts stand in)', async (fn) => {
    const r = await build({ ...options(fn, dir), plugins: plugins() });
    const output = Object.values(r.metafile!.outputs).find((o) => o.entryPoint)!;
    const kept = Object.entries(output.inputs).flatMap(([file, { bytesInOutput }]) => (bytesInOutput > 0 ? [file] : []));
    expect(kept.filter((i) => /node_modules\/@aws-sdk\/(client-(sns|sts|ssm)|xml-builder)\/|node_modules\/@aws-sdk\/core\/dist-es\/submodules\/protocols\/(query|xml)\//.test(i))).toEqual([]);
  }, 120_000);

  it('carries rules.yml as validated JSON, units converted and defaults applied', async () => {
    await build({ ...options('evaluate', dir), plugins: plugins() });
    const js = readFileSync(join(dir, 'evaluate.js'), 'utf8');
    // (booleans, not toContain: a failure would print the whole bundle)
    expect(js.includes('"name":"bedrock-throttles"')).toBe(true);
    expect(js.includes('"publication_delay":120000')).toBe(true);
  }, 120_000);

  it('fails the build on a bad rules file, naming file, line, column and field', async () => {
    const bad = join(dir, 'bad-rules.yml');
    writeFileSync(bad, 'rules:\n  - name: x\n    kind: ratio\n    numerator: InvocationServerErrors\n    denominator: Invocations\n    next_check: y\n    tiers: { critical: { above: lots } }\n');
    process.env.BEDROCK_WATCH_RULES = bad;
    await expect(build({ ...options('evaluate', dir), plugins: plugins(), logLevel: 'silent' })).rejects.toThrow(
      `${bad}:7:33: rules[0].tiers.critical.above must be a percentage like 5% or a fraction like 0.05`,
    );
  }, 120_000);
});
