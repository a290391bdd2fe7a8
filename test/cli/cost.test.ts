import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

interface Report {
  models: number;
  profile: string;
  regions: number;
  accounts: number;
  lines: { name: string; service: string; quantity: number; unit: string; usd: number }[];
  totalUsd: number;
  nativeUsd: number;
  ratio: number;
  metricsPerTick: number;
  designs: { name: string; metricsPerTick: number; totalUsd: number; ratio: number }[];
}
const json = (args: string[]): Report => {
  const r = cli(['cost', ...args, '--evaluate-ms', '700', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Report;
};
const usdOf = (r: Report, service: string) => r.lines.filter((l) => l.service === service).reduce((s, l) => s + l.usd, 0);

describe('bedrock-watch cost', () => {
  it('prints every line the stack bills, each naming its service, adding up to the total; the ratio is total over native', () => {
    const r = json(['--models', '20']);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['models', 'profile', 'lines', 'totalUsd', 'nativeUsd', 'ratio']));
    expect([r.models, r.profile]).toEqual([20, 'quiet']);
    expect(r.totalUsd).toBeCloseTo(r.lines.reduce((s, l) => s + l.usd, 0), 10);
    expect(r.ratio).toBeCloseTo(r.totalUsd / r.nativeUsd, 10);
    expect(r.nativeUsd).toBeCloseTo(60, 6);
    expect([...new Set(r.lines.map((l) => l.service))].sort()).toEqual(
      ['CloudWatch Logs', 'CloudWatch alarms', 'Custom metrics (EMF)', 'Dashboard', 'DynamoDB', 'GetMetricData', 'KMS', 'Lambda', 'SNS'].sort(),
    );
    // The lines the audit found missing, each priced.
    expect(usdOf(r, 'CloudWatch alarms')).toBeCloseTo(1.1, 6); // 9 self-monitoring alarms + 2 of the ack endpoint (resources/ack.yml)
    expect(usdOf(r, 'KMS')).toBeGreaterThanOrEqual(1);
    expect(usdOf(r, 'Custom metrics (EMF)')).toBeGreaterThanOrEqual(0.3);
    expect(r.lines.find((l) => l.name === 'DynamoDB, baseline history rewrites')!.usd).toBeGreaterThan(0.2);
    // The dashboard is opt-in: nothing unless deployed with it.
    expect(usdOf(r, 'Dashboard')).toBe(0);
    expect(usdOf(json(['--models', '20', '--dashboard']), 'Dashboard')).toBeCloseTo(3, 6);
  });

  it('prints the same lines and totals in its table as in its JSON', () => {
    const r = json(['--models', '7', '--profile', 'typical', '--logs', '5']);
    const table = cli(['cost', '--models', '7', '--profile', 'typical', '--logs', '5', '--evaluate-ms', '700']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Monthly cost for 7 models, typical account, a tick every 1 min/);
    const rows = table.stdout.split('\n');
    for (const l of r.lines) {
      const row = rows.find((x) => x.trimStart().startsWith(l.name));
      expect(row).toBeDefined();
      expect(row).toContain(l.service);
      expect(row!.trimEnd().endsWith(`$${l.usd.toFixed(2)}`)).toBe(true);
    }
    expect(rows.find((x) => x.trimStart().startsWith('total'))!.trimEnd().endsWith(`$${r.totalUsd.toFixed(2)}`)).toBe(true);
    expect(table.stdout).toContain(`bedrock-watch ${r.ratio.toFixed(2)}× native`);
    expect(table.stdout).toMatch(/shared\/pricing\/aws-prices\.json/);
  });

  it('prices invocation logs: logging, the ingest path, and a Kinesis stream only when other places send them', () => {
    const none = json(['--models', '20']);
    const one = json(['--models', '20', '--logs', '10']);
    expect(usdOf(one, 'Kinesis')).toBe(0);
    expect(one.lines.find((l) => l.name.startsWith('Bedrock invocation logging'))!.usd).toBeCloseTo(10 * (0.5 + 0.03), 6);
    expect(one.lines.find((l) => l.name === 'DynamoDB, ingest bucket writes')!.usd).toBeGreaterThan(0);
    expect(one.lines.find((l) => l.name === 'Lambda ingest')!.usd).toBeGreaterThan(none.lines.find((l) => l.name === 'Lambda ingest')!.usd);
    const two = json(['--models', '20', '--logs', '10', '--regions', '2']);
    expect(usdOf(two, 'Kinesis')).toBeGreaterThan(10.8); // a shard-month at least
  });

  it('costs more as errors appear, and meets the targets where the design allows (20 models: quiet ≤ 0.6×, typical ≤ 0.75×)', () => {
    const [quiet, typical, busy] = ['quiet', 'typical', 'busy'].map((p) => json(['--models', '20', '--profile', p]));
    expect(quiet.metricsPerTick).toBeCloseTo(71, 6);
    expect(quiet.totalUsd).toBeLessThan(typical.totalUsd);
    expect(typical.totalUsd).toBeLessThan(busy.totalUsd);
    expect(quiet.ratio).toBeLessThanOrEqual(0.6);
    expect(typical.ratio).toBeLessThanOrEqual(0.75);
    expect(json(['--models', '3', '--profile', 'quiet']).ratio).toBeLessThanOrEqual(1);
    // The account-wide bound spares most models' counts where errors are sparse and some even where they are everywhere.
    expect(busy.ratio).toBeLessThanOrEqual(1);
    expect(json(['--models', '3', '--profile', 'typical']).ratio).toBeLessThanOrEqual(1);
  });

  it('compares the fetch designs under the profile: reading every series every tick costs most', () => {
    const r = json(['--models', '20']);
    expect(r.designs[0].name).toBe('every series per model, every tick');
    expect(r.designs[0].metricsPerTick).toBe(8 * 20);
    const chosen = r.designs.find((d) => d.name.includes('settings.detail_every'))!;
    expect(chosen.totalUsd).toBeCloseTo(r.totalUsd, 10);
    expect(chosen.totalUsd).toBeLessThan(r.designs[0].totalUsd);
  });

  it('counts every region and account: reads, models and native alarms', () => {
    const one = json(['--models', '20']);
    const six = json(['--models', '20', '--regions', '2', '--accounts', '3']);
    expect([six.regions, six.accounts]).toEqual([2, 3]);
    expect(six.nativeUsd).toBeCloseTo(6 * one.nativeUsd, 6);
    expect(six.metricsPerTick).toBeCloseTo(6 * one.metricsPerTick, 6);
    six.designs.forEach((d, i) => expect(d.metricsPerTick).toBeCloseTo(6 * one.designs[i].metricsPerTick, 6));
    expect(cli(['cost', '--models', '20', '--regions', '2', '--accounts', '3']).stdout).toMatch(/20 models in each of 2 regions × 3 accounts/);
  });

  it.each([
    [['cost', '--models', '5', '--regions', '0'], /--regions must be a whole number/],
    [['cost', '--models', '5', '--accounts', 'two'], /--accounts must be a whole number/],
    [['cost'], /--models must be a whole number/],
    [['cost', '--models', '0'], /--models must be a whole number/],
    [['cost', '--models', '5', '--interval', '30s'], /--interval must be at least 1m/],
    [['cost', '--models', '5', '--interval', 'soon'], /--interval "soon" is not a duration/],
    [['cost', '--models', '5', '--profile', 'noisy'], /--profile must be one of quiet, typical, busy, not "noisy"/],
    [['cost', '--models', '5', '--logs=-1'], /--logs must be a number of GB/],
    [['cost', '--models', '5', '--logs', 'lots'], /--logs must be a number of GB/],
  ])('refuses %j with a usage error', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
