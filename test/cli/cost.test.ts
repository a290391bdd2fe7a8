import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('bedrock-watch cost', () => {
  it('prints every fetch design next to the native alarms, the chosen one cheaper than they are at 20 models', () => {
    const r = cli(['cost', '--models', '20', '--evaluate-ms', '300', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { designs: { name: string; estimate: { total: number; metricsPerTick: number } }[]; native: { usd: number }; ratioToNative: number };
    expect(report.designs[0].name).toBe('every series per model, every tick');
    expect(report.designs[0].estimate.metricsPerTick).toBe(8 * 20);
    expect(report.native.usd).toBeCloseTo(60, 6);
    expect(report.ratioToNative).toBeLessThan(1);
    expect(report.ratioToNative).toBeCloseTo(report.designs.find((d) => d.name.includes('settings.detail_every'))!.estimate.total / report.native.usd, 10);
  });

  it('prints a table with the breakdown and the price source', () => {
    const r = cli(['cost', '--models', '3', '--interval', '2m']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Monthly cost for 3 models, a tick every 2 min/);
    expect(r.stdout).toMatch(/native CloudWatch alarms: 90 alarm metrics = \$9\.00/);
    expect(r.stdout).toMatch(/GetMetricData, evaluate/);
    expect(r.stdout).toMatch(/shared\/pricing\/aws-prices\.json/);
  });

  it('counts every region and account: reads, models and native alarms', () => {
    const one = JSON.parse(cli(['cost', '--models', '20', '--evaluate-ms', '300', '--json']).stdout) as { designs: { estimate: { metricsPerTick: number } }[]; native: { usd: number } };
    const r = cli(['cost', '--models', '20', '--regions', '2', '--accounts', '3', '--evaluate-ms', '300', '--json']);
    expect(r.code).toBe(0);
    const six = JSON.parse(r.stdout) as { regions: number; accounts: number; designs: { estimate: { metricsPerTick: number } }[]; native: { usd: number } };
    expect([six.regions, six.accounts]).toEqual([2, 3]);
    expect(six.native.usd).toBeCloseTo(6 * one.native.usd, 6);
    six.designs.forEach((d, i) => expect(d.estimate.metricsPerTick).toBeCloseTo(6 * one.designs[i].estimate.metricsPerTick, 6));
    expect(cli(['cost', '--models', '20', '--regions', '2', '--accounts', '3']).stdout).toMatch(/20 models in each of 2 regions × 3 accounts/);
  });

  it.each([
    [['cost', '--models', '5', '--regions', '0'], /--regions must be a whole number/],
    [['cost', '--models', '5', '--accounts', 'two'], /--accounts must be a whole number/],
    [['cost'], /--models must be a whole number/],
    [['cost', '--models', '0'], /--models must be a whole number/],
    [['cost', '--models', '5', '--interval', '30s'], /--interval must be at least 1m/],
    [['cost', '--models', '5', '--interval', 'soon'], /--interval "soon" is not a duration/],
  ])('refuses %j with a usage error', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
