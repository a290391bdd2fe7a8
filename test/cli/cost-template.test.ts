/**
 * The fixed lines of `bedrock-watch cost` come from the templates the stack is packaged from:
 * an alarm, key or dashboard added there is costed, and a resource of a type nobody priced fails here.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BILLING, fixedResources, stackResources } from '../../shared/cli/cost/template';
import { costReport } from '../../shared/cli/cost/command';
import { parseRules } from '../../shared/rules/load';

const ROOT = join(__dirname, '..', '..');
const config = parseRules(readFileSync(join(ROOT, 'rules.yml'), 'utf8'));
const alarmsLine = (r: ReturnType<typeof costReport>) => r.lines.find((l) => l.service === 'CloudWatch alarms')!;

/** Every `Type: AWS::…` in serverless.yml and resources/*.yml, counted from the text (independently of the YAML reading). */
function typesInText(): string[] {
  const files = [join(ROOT, 'serverless.yml'), ...readdirSync(join(ROOT, 'resources')).filter((f) => f.endsWith('.yml')).map((f) => join(ROOT, 'resources', f))];
  return files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^\s+Type: (AWS::[\w:]+)\s*$/gm)].map((m) => m[1]));
}

describe('the fixed lines come from the template', () => {
  const resources = stackResources();

  it('reads every resource the template files declare', () => {
    expect(resources.map((r) => r.type).sort()).toEqual(typesInText().sort());
  });

  it('knows how every resource type in the template is billed (a new type fails here until it is priced)', () => {
    const unpriced = [...new Set(resources.map((r) => r.type))].filter((t) => !(t in BILLING));
    expect(unpriced).toEqual([]);
  });

  it('costs every alarm of the template: one alarm metric each at the alarm price', () => {
    const alarms = typesInText().filter((t) => t === 'AWS::CloudWatch::Alarm').length;
    expect(alarms).toBe(11); // 9 in resources/self-monitoring.yml, 2 in resources/ack.yml
    const line = alarmsLine(costReport({ config, models: 20, evaluateMs: 700 }));
    expect(line.quantity).toBe(alarms);
    expect(line.usd).toBeCloseTo(alarms * 0.1, 10);
  });

  it('counts the KMS key and, only when its condition holds, the dashboard', () => {
    expect(fixedResources(resources, {}).kmsKeys.map((k) => k.name)).toEqual(['AlertTopicKey']);
    expect(fixedResources(resources, {}).dashboards).toEqual([]);
    expect(fixedResources(resources, { HasDashboard: true }).dashboards.map((d) => d.name)).toEqual(['Dashboard']);
  });

  describe('a template with one more alarm and a new kind of resource', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-cost-'));
    mkdirSync(join(dir, 'resources'));
    const extraAlarm = `
  ExtraAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Metrics:
        - { Id: a, MetricStat: { Metric: { Namespace: X, MetricName: A }, Period: 60, Stat: Sum } }
        - { Id: b, MetricStat: { Metric: { Namespace: X, MetricName: B }, Period: 60, Stat: Sum } }
        - { Id: e, Expression: a + b }
`;
    writeFileSync(join(dir, 'resources', 'self-monitoring.yml'), readFileSync(join(ROOT, 'resources', 'self-monitoring.yml'), 'utf8') + extraAlarm);
    // Every file serverless.yml includes (iam.yml, ack.yml, …), unchanged.
    for (const f of readdirSync(join(ROOT, 'resources')).filter((f) => f.endsWith('.yml') && f !== 'self-monitoring.yml')) {
      writeFileSync(join(dir, 'resources', f), readFileSync(join(ROOT, 'resources', f), 'utf8'));
    }
    const sls = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
    writeFileSync(join(dir, 'serverless.yml'), sls);

    it('costs the added metric-math alarm by the metrics it reads', () => {
      const before = alarmsLine(costReport({ config, models: 20, evaluateMs: 700 }));
      const after = alarmsLine(costReport({ config, models: 20, evaluateMs: 700, resources: stackResources(join(dir, 'serverless.yml')) }));
      expect(after.quantity).toBe(before.quantity + 2);
      expect(after.usd).toBeCloseTo(before.usd + 0.2, 10);
    });

    it('refuses to cost a stack with a resource type it cannot price, naming the file and resource', () => {
      writeFileSync(join(dir, 'resources', 'iam.yml'), readFileSync(join(ROOT, 'resources', 'iam.yml'), 'utf8') + '\n  Pipe:\n    Type: AWS::Pipes::Pipe\n');
      expect(() => costReport({ config, models: 20, evaluateMs: 700, resources: stackResources(join(dir, 'serverless.yml')) })).toThrow(
        /resources\/iam\.yml: resource Pipe has type AWS::Pipes::Pipe, which shared\/cli\/cost\/template\.ts BILLING does not price/,
      );
    });
  });
});
