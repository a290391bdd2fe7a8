/**
 * `bedrock-watch init`: a starter rules file for the account. Finds the Bedrock models that had
 * traffic (ListMetrics on AWS/Bedrock, Invocations by ModelId: CloudWatch lists metrics with data
 * in the last two weeks), takes the receivers, and writes the shipped rules and tiers with those
 * receivers and a comment naming each model and its price. The result goes through the real loader
 * before it is written, and an existing file is only replaced with --force.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { parseDocument } from 'yaml';
import { Pricing } from '../pricing/pricing';
import { parseRules } from '../rules/load';
import { awsError, withBackoff } from './aws-errors';
import { CommandError, UsageError, err, help, out, plural, str, type Command, type Values } from './command';
import { ROOT } from './root';

/** The shipped rules: their rules, tiers and settings are the starter's. */
export const TEMPLATE = join(ROOT, 'rules.yml');

export interface DiscoveredModel {
  modelId: string;
  regions: string[];
}

/** Models with an Invocations metric in AWS/Bedrock (dimension ModelId alone), every page of ListMetrics. */
export async function discoverModels(client: CloudWatchClient, region: string): Promise<string[]> {
  const models = new Set<string>();
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await withBackoff(() =>
      client.send(new ListMetricsCommand({ Namespace: 'AWS/Bedrock', MetricName: 'Invocations', Dimensions: [{ Name: 'ModelId' }], NextToken: token })),
    ).catch((e) => {
      throw awsError(`CloudWatch ListMetrics in ${region}`, e, 'cloudwatch:ListMetrics');
    });
    for (const m of page.Metrics ?? []) {
      const dims = m.Dimensions ?? [];
      const model = dims.length === 1 && dims[0].Name === 'ModelId' ? dims[0].Value : undefined;
      if (model) models.add(model);
    }
    token = page.NextToken || undefined;
    if (token && seen.has(token)) throw new CommandError(`CloudWatch ListMetrics in ${region}: NextToken repeated, giving up`);
    if (token) seen.add(token);
  } while (token);
  return [...models].sort();
}

export interface Receivers {
  slack?: { ssm: string } | { env: string };
  pagerduty?: { ssm: string } | { env: string };
  /** An SNS topic ARN; without it the stack's own topic (ALERT_TOPIC_ARN). */
  snsTopic?: string;
  /** settings.runbook_base_url: where the rules' relative runbook links (docs/runbooks.md#…) point. */
  runbookBase?: string;
}

/**
 * Where a repository's files are shown on the web, from its git remote and branch: GitHub and
 * GitHub-style hosts `https://HOST/ORG/REPO/blob/BRANCH/`, GitLab `…/-/blob/BRANCH/`. Undefined for
 * a remote it cannot read.
 */
export function runbookBaseFromRemote(remote: string, branch = 'main'): string | undefined {
  const r = remote.trim();
  const m = /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/]+@)([^/:]+)(?::\d+)?[:/](.+?)(?:\.git)?\/?$/.exec(r);
  if (!m) return undefined;
  const [, host, path] = m;
  if (!/^[\w.-]+\/[\w./-]+$/.test(path)) return undefined;
  return `https://${host}/${path}/${host.includes('gitlab') ? '-/' : ''}blob/${branch}/`;
}

/** The runbook base of the git repository in the working directory, if it has a remote. */
function runbookBaseFromGit(): string | undefined {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const remote = git('config', '--get', 'remote.origin.url');
  if (!remote) return undefined;
  const head = git('symbolic-ref', '--short', 'refs/remotes/origin/HEAD').replace(/^origin\//, '');
  return runbookBaseFromRemote(remote, head || 'main');
}

/** The starter rules text: the template's settings, rules and tiers, the given receivers and routes, and the model comment. */
export function starterRules(template: string, models: DiscoveredModel[], receivers: Receivers, pricing = new Pricing()): string {
  const doc = parseDocument(template);
  const list: Record<string, unknown>[] = [];
  if (receivers.pagerduty) list.push({ name: 'pagerduty-oncall', type: 'pagerduty', routing_key: receivers.pagerduty });
  if (receivers.slack) list.push({ name: 'slack-alerts', type: 'slack', webhook_url: receivers.slack });
  list.push(receivers.snsTopic ? { name: 'sns-alerts', type: 'sns', topic_arn: receivers.snsTopic } : { name: 'sns-alerts', type: 'sns' });
  const names = (types: string[]) => list.filter((r) => types.includes(r.type as string)).map((r) => r.name);
  doc.set('receivers', doc.createNode(list, { flow: false }));
  if (receivers.runbookBase) doc.setIn(['settings', 'runbook_base_url'], receivers.runbookBase);
  // The shipped escalation policy and Slack/PagerDuty acknowledgement name receivers and secrets of
  // their own (on-call channel, exec service, signing secrets): a starter file begins without them
  // and pages PagerDuty at once; README "Escalation and acknowledgement" adds them back.
  doc.delete('escalation');
  doc.delete('ack');
  // Its named windows are used by no starter route (the tree that could mute them is replaced below).
  doc.delete('time_intervals');
  // The shipped routing tree names channels of its own (FinOps) too: a starter file begins with the
  // short form per tier, in the tree's place; README "Routing" shows the tree.
  const routes = (doc.get('routes', true) ?? doc.get('route', true)) as { get?(k: string): unknown } | undefined;
  const repeat = routes && typeof routes.get === 'function' ? routes.get('repeat_interval') : undefined;
  const short = doc.createNode({ critical: names(['pagerduty', 'slack', 'sns']), warning: names(['slack', 'sns']), info: ['sns-alerts'], ...(repeat ? { repeat_interval: repeat } : {}) });
  const top = doc.contents as { items?: { key: unknown; value: unknown }[] } | null;
  const at = top?.items?.findIndex((p) => String((p.key as { value?: unknown })?.value ?? p.key) === 'route') ?? -1;
  if (at >= 0 && top?.items) top.items[at] = doc.createPair('routes', short) as unknown as { key: unknown; value: unknown };
  else doc.set('routes', short);
  for (const key of ['critical', 'warning', 'info']) {
    const seq = doc.getIn(['routes', key], true) as { flow?: boolean } | undefined;
    if (seq) seq.flow = true;
  }
  const modelLines = models.length
    ? models.map((m) => {
        const p = pricing.price(m.modelId);
        const price = p ? `$${p.input} in / $${p.output} out per 1k tokens` : 'no shipped price: add it under pricing: to get cost alerts';
        return `#   ${m.modelId} (${m.regions.join(', ')}): ${price}`;
      })
    : ['#   (none with traffic in the last two weeks: every model is picked up from the data as it starts)'];
  // Editors find the schema through the template's first line (README "Writing rules"): keep it first.
  const schemaLine = /^#\s*(yaml-language-server:.*)$/m.exec(template)?.[1];
  const header = [
    ...(schemaLine ? [` ${schemaLine}`, ``] : []),
    `Starter rules written by \`bedrock-watch init\`. Every rule applies to each model seen in the data;`,
    `these had Bedrock traffic when it ran (on-demand list prices, override under pricing:):`,
    ...modelLines.map((l) => l.slice(1)),
    ``,
    `Validate after editing: npx bedrock-watch validate; try on your own traffic: npx bedrock-watch record, then backtest.`,
  ];
  doc.commentBefore = header.join('\n');
  return doc.toString({ lineWidth: 0 });
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** A secret flag pair (--slack-ssm / --slack-env) as a secret reference. */
function secretFlag(v: Values, name: string): { ssm: string } | { env: string } | undefined {
  const ssm = str(v[`${name}-ssm`]);
  const env = str(v[`${name}-env`]);
  if (ssm && env) throw new UsageError(`give --${name}-ssm or --${name}-env, not both`);
  if (ssm && !ssm.startsWith('/')) throw new UsageError(`--${name}-ssm must be an SSM parameter name starting with "/", like /bedrock-watch/${name}`);
  return ssm ? { ssm } : env ? { env } : undefined;
}

export const initCommand: Command = {
  summary: 'write a starter rules.yml for the models your account uses',
  usage: `bedrock-watch init [--region R]... [receivers] [--out FILE] [--force] [--yes]

Find the Bedrock models with traffic in the account (CloudWatch ListMetrics on AWS/Bedrock over
the last two weeks, in each --region; default: your AWS profile's region), and write a starter
rules file: the shipped rules and tiers (rules.yml of this repository, read before anything is
written), your receivers, and a comment naming each model found and its price. The file is checked
with the same loader as validate before it is written.

  --region R           a region to look in (repeat for several)
  --slack-ssm NAME     Slack webhook URL in this SSM SecureString parameter (or --slack-env VAR)
  --pagerduty-ssm NAME PagerDuty routing key in this SSM parameter (or --pagerduty-env VAR)
  --sns-topic ARN      an SNS topic for every tier (default: the stack's own topic)
  --runbook-base-url URL  where the rules' runbook links (docs/runbooks.md#…) point, e.g.
                       https://github.com/ORG/REPO/blob/main/ (default: from the git remote)
  --out FILE           where to write (default rules.yml)
  --force              replace FILE if it exists
  --yes                do not ask: take the flags as given (asked only when stdin is a terminal)

Needs cloudwatch:ListMetrics.`,
  options: {
    ...help,
    region: { type: 'string', multiple: true },
    'slack-ssm': { type: 'string' },
    'slack-env': { type: 'string' },
    'pagerduty-ssm': { type: 'string' },
    'pagerduty-env': { type: 'string' },
    'sns-topic': { type: 'string' },
    'runbook-base-url': { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    yes: { type: 'boolean' },
  },
  maxPositionals: 0,
  run: async (v) => {
    const file = str(v.out) ?? 'rules.yml';
    if (existsSync(file) && !v.force) throw new CommandError(`${file} exists: pass --force to replace it, or --out another file`);
    const receivers: Receivers = { slack: secretFlag(v, 'slack'), pagerduty: secretFlag(v, 'pagerduty'), snsTopic: str(v['sns-topic']), runbookBase: str(v['runbook-base-url']) };
    if (receivers.runbookBase && !/^https?:\/\//.test(receivers.runbookBase)) throw new UsageError('--runbook-base-url must be a URL like https://github.com/ORG/REPO/blob/main/');
    if (receivers.snsTopic && !receivers.snsTopic.startsWith('arn:')) throw new UsageError('--sns-topic must be a topic ARN (arn:aws:sns:…)');
    const template = readFileSync(TEMPLATE, 'utf8');

    const asked = !v.yes && process.stdin.isTTY;
    if (asked && !receivers.slack && !receivers.pagerduty) {
      const slack = await ask('SSM parameter holding the Slack webhook URL (empty: no Slack): ');
      if (slack) receivers.slack = { ssm: slack.startsWith('/') ? slack : `/${slack}` };
      const pd = await ask('SSM parameter holding the PagerDuty routing key (empty: no PagerDuty): ');
      if (pd) receivers.pagerduty = { ssm: pd.startsWith('/') ? pd : `/${pd}` };
    }
    if (!receivers.runbookBase) {
      // Runbook links are relative (docs/runbooks.md#rule): without a base, Slack and PagerDuty show a path no one can open.
      const derived = runbookBaseFromGit();
      const given = asked ? await ask(`Where do the runbooks live on the web (settings.runbook_base_url)${derived ? ` [${derived}]` : ''}: `) : '';
      receivers.runbookBase = given || derived;
      if (receivers.runbookBase && !/^https?:\/\//.test(receivers.runbookBase)) throw new UsageError(`the runbook base must be a URL like https://github.com/ORG/REPO/blob/main/, not "${receivers.runbookBase}"`);
      if (!receivers.runbookBase) err('No runbook_base_url (no git remote here): runbook links stay relative; set settings.runbook_base_url in the file.');
    }

    const regions = (v.region as unknown as string[] | undefined) ?? [undefined as unknown as string];
    const found = new Map<string, string[]>();
    for (const region of regions) {
      const client = new CloudWatchClient(region ? { region } : {});
      const where = region ?? (await client.config.region().catch(() => undefined));
      if (!where) throw new CommandError('no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)');
      err(`Looking for Bedrock models in ${where}…`);
      for (const model of await discoverModels(client, where)) found.set(model, [...(found.get(model) ?? []), where]);
    }
    const models = [...found].map(([modelId, r]) => ({ modelId, regions: r })).sort((a, b) => a.modelId.localeCompare(b.modelId));
    const text = starterRules(template, models, receivers);
    const config = parseRules(text, file); // a bug here must not leave a broken file behind
    writeFileSync(file, text);
    out(`Wrote ${file}: ${plural(config.rules.length, 'rule')}, ${plural(config.receivers.length, 'receiver')} (${config.receivers.map((r) => r.name).join(', ')}), ${plural(models.length, 'model')} found`);
    for (const m of models) out(`  ${m.modelId} (${m.regions.join(', ')})`);
    if (!models.length) out('  no Bedrock model had traffic in the last two weeks: rules apply to models as they appear');
    out(`Next: put the secrets in SSM, then \`npx bedrock-watch test-notify --rules ${file}\`.`);
    return 0;
  },
};
