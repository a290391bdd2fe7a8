/**
 * What the deployed stack bills for by the month whatever it does: read from the templates the
 * stack is packaged from (serverless.yml and the resources/*.yml files it includes), never
 * hard-coded, so an alarm added to the template is an alarm in `bedrock-watch cost`.
 *
 * Every resource type found must be classified in BILLING: a type that is not (a new kind of
 * resource) fails the cost test until someone says how it is billed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../root';


/**
 * How each CloudFormation type the stack declares is billed:
 * - `fixed`: a monthly price for existing (alarms per metric, a KMS key, a dashboard, a Kinesis stream);
 * - `usage`: billed by use, priced in the usage lines (tables, topics, queues);
 * - `free`: no charge of its own (roles, policies, permissions, aliases, subscriptions, mappings).
 */
export const BILLING: Record<string, 'fixed' | 'usage' | 'free'> = {
  'AWS::CloudWatch::Alarm': 'fixed',
  'AWS::CloudWatch::CompositeAlarm': 'fixed',
  'AWS::CloudWatch::Dashboard': 'fixed',
  'AWS::KMS::Key': 'fixed',
  'AWS::Kinesis::Stream': 'fixed',
  'AWS::DynamoDB::Table': 'usage',
  'AWS::SNS::Topic': 'usage',
  'AWS::SQS::Queue': 'usage',
  'AWS::Lambda::EventSourceMapping': 'free',
  'AWS::Logs::SubscriptionFilter': 'free',
  'AWS::IAM::Role': 'free',
  'AWS::IAM::Policy': 'free',
  'AWS::IAM::ManagedPolicy': 'free',
  'AWS::KMS::Alias': 'free',
  'AWS::Lambda::Permission': 'free',
  'AWS::SNS::TopicPolicy': 'free',
  'AWS::SQS::QueuePolicy': 'free',
};

export interface StackResource {
  name: string;
  type: string;
  /** The CloudFormation condition it is created under, if any. */
  condition?: string;
  /** The file it is declared in, relative to the project root. */
  file: string;
  /** Alarms: the metrics it reads (billed per metric); 1 for an alarm on one metric. */
  alarmMetrics?: number;
}

type Doc = { Resources?: Record<string, { Type?: string; Condition?: string; Properties?: { Metrics?: { MetricStat?: unknown }[] } }> };

// CloudFormation tags (!Ref …) are not YAML the plain parser knows: keep them as strings.
const load = (file: string): unknown => parse(readFileSync(file, 'utf8'), { customTags: [], logLevel: 'silent', strict: false });

function resourcesOf(doc: Doc | undefined, file: string): StackResource[] {
  return Object.entries(doc?.Resources ?? {}).map(([name, r]) => {
    const type = String(r?.Type ?? '');
    const out: StackResource = { name, type, file };
    if (r?.Condition) out.condition = r.Condition;
    if (type === 'AWS::CloudWatch::Alarm') out.alarmMetrics = Array.isArray(r.Properties?.Metrics) ? r.Properties.Metrics.filter((m) => m?.MetricStat).length || 1 : 1;
    return out;
  });
}

/** Every resource serverless.yml declares, with those of the files its `resources:` include. */
export function stackResources(serverlessFile = join(ROOT, 'serverless.yml')): StackResource[] {
  if (!existsSync(serverlessFile)) throw new Error(`${serverlessFile}: not found (the stack's template, read to count its alarms, keys and dashboard)`);
  const dir = dirname(serverlessFile);
  const rel = (f: string) => f.slice(dir.length + 1) || f;
  const doc = load(serverlessFile) as { resources?: unknown };
  const parts = Array.isArray(doc.resources) ? doc.resources : doc.resources ? [doc.resources] : [];
  const out: StackResource[] = [];
  for (const part of parts) {
    const inc = typeof part === 'string' ? /^\$\{file\((.+?)\)\}$/.exec(part.trim()) : null;
    if (inc) {
      const file = resolve(dir, inc[1]);
      if (!existsSync(file)) throw new Error(`${rel(serverlessFile)}: resources include ${inc[1]}, which does not exist`);
      out.push(...resourcesOf(load(file) as Doc, rel(file)));
    } else if (part && typeof part === 'object') out.push(...resourcesOf(part as Doc, rel(serverlessFile)));
  }
  return out;
}

export interface FixedResources {
  alarms: StackResource[];
  alarmMetrics: number;
  kmsKeys: StackResource[];
  dashboards: StackResource[];
  streams: StackResource[];
  /** Types found that BILLING does not classify. */
  unknown: StackResource[];
}

/** The fixed-price resources created when `conditions` hold (a resource without a condition always is). */
export function fixedResources(resources: StackResource[], conditions: Record<string, boolean>): FixedResources {
  const made = resources.filter((r) => !r.condition || conditions[r.condition] === true);
  const of = (type: string) => made.filter((r) => r.type === type);
  const alarms = [...of('AWS::CloudWatch::Alarm'), ...of('AWS::CloudWatch::CompositeAlarm')];
  return {
    alarms,
    alarmMetrics: of('AWS::CloudWatch::Alarm').reduce((s, a) => s + (a.alarmMetrics ?? 1), 0),
    kmsKeys: of('AWS::KMS::Key'),
    dashboards: of('AWS::CloudWatch::Dashboard'),
    streams: of('AWS::Kinesis::Stream'),
    unknown: resources.filter((r) => !(r.type in BILLING)),
  };
}
