/**
 * rules.yml → typed Config. YAML is parsed with source positions so every problem names the
 * file, line and column of the offending field.
 */
import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { RulesError, formatPath, type RulesProblem } from './errors';
import { Config, Rule } from './schema';
import { SSM_PREFIX, ssmOutsidePrefix } from './secret-ref';
import { didYouMean, firstYamlProblem } from './yaml-problem';
import { z as zod } from 'zod';

export interface RulesOptions {
  /**
   * The SSM path prefix the functions may read (serverless.yml param ssmPrefix), or false not to check.
   * Default: the SSM_PREFIX environment variable, else the shipped prefix.
   */
  ssmPrefix?: string | false;
}

/** A loaded rules file, with a way back from a config path to where it is written. */
export interface LoadedRules {
  config: Config;
  file: string;
  locate(path: readonly PropertyKey[]): { line: number; col: number };
}

export function loadRulesFile(file: string, opts: RulesOptions = {}): Config {
  return loadRules(file, opts).config;
}

export function loadRules(file: string, opts: RulesOptions = {}): LoadedRules {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RulesError([{ file, line: 1, col: 1, path: '', message: `cannot read the rules file: ${(e as Error).message}` }]);
  }
  return parseRulesLocated(text, file, { ssmPrefix: opts.ssmPrefix ?? (process.env.SSM_PREFIX || SSM_PREFIX) });
}

export function parseRules(text: string, file = 'rules.yml', opts: RulesOptions = {}): Config {
  return parseRulesLocated(text, file, opts).config;
}

export function parseRulesLocated(text: string, file = 'rules.yml', opts: RulesOptions = {}): LoadedRules {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, col };
  };
  if (doc.errors.length) {
    // One problem, in words, at the line that is wrong (an indentation mistake), not the parser's cascade.
    const first = doc.errors[0];
    const p = firstYamlProblem(text, { ...at(first.pos[0]), message: first.message.split('\n')[0] });
    throw new RulesError([{ file, line: p.line, col: p.col, path: '', message: `YAML: ${p.message}` }]);
  }
  const locate = (path: readonly PropertyKey[], atKey = false) => {
    const range = nearestNode(doc.contents, path, atKey)?.range ?? doc.contents?.range;
    return range ? at(range[0]) : { line: 1, col: 1 };
  };
  const parsed = Config.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (parsed.success) {
    const config = parsed.data;
    // Checks that depend on the deployment, not on the file alone.
    const prefix = opts.ssmPrefix ?? SSM_PREFIX;
    const late: RulesProblem[] = [];
    if (prefix !== false) {
      // Every secret the functions read from SSM: the receivers' and the ack function's.
      const refs: { path: PropertyKey[]; ref: { ssm: string } | { env: string } | undefined }[] = [
        ...config.receivers.map((r, i) =>
          r.type === 'slack' ? { path: ['receivers', i, 'webhook_url'], ref: r.webhook_url } : r.type === 'pagerduty' ? { path: ['receivers', i, 'routing_key'], ref: r.routing_key } : { path: [], ref: undefined },
        ),
        { path: ['ack', 'slack_signing_secret'], ref: config.ack.slack_signing_secret },
        { path: ['ack', 'pagerduty_webhook_secret'], ref: config.ack.pagerduty_webhook_secret },
      ];
      for (const { path, ref } of refs) {
        const problem = ref && 'ssm' in ref ? ssmOutsidePrefix(ref.ssm, prefix) : null;
        if (problem) late.push({ file, ...locate([...path, 'ssm']), path: formatPath([...path, 'ssm']), message: problem });
      }
    }
    if (late.length) throw new RulesError(late);
    return { config: withSourceHealth(config), file, locate: (path) => locate(path) };
  }
  const problems: RulesProblem[] = parsed.error.issues.map((issue) => {
    // An unknown field is reported on its parent object: point at the field itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const hint = issue.code === 'unrecognized_keys' ? didYouMean(issue.keys[0], knownKeysAt(issue.path)) : undefined;
    return { file, ...locate(path, issue.code === 'unrecognized_keys'), path: formatPath(issue.path), message: `${describe(issue)}${hint ? `: did you mean "${hint}"?` : ''}` };
  });
  problems.sort((a, b) => a.line - b.line || a.col - b.col);
  throw new RulesError(problems);
}

/** The deepest YAML node that exists along the issue's path (a missing field points at its parent). */
function nearestNode(root: unknown, path: readonly PropertyKey[], atKey = false): Node | undefined {
  let node = root as Node | undefined;
  for (const [i, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
      if (!pair) return node;
      // Point at the value when it is a node, at the key otherwise (or when the key itself is the problem).
      node = atKey && i === path.length - 1 ? (pair.key as Node) : ((pair.value as Node) ?? (pair.key as Node));
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) return node;
      node = item;
    } else return node;
  }
  return node;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return issue.input === undefined ? `is required (${issue.expected})` : `must be a ${issue.expected}`;
    case 'invalid_union': {
      if ('note' in issue && issue.note === 'No matching discriminator') {
        return `must be one of the kinds: ${(issue as { options?: unknown[] }).options?.join(', ') ?? 'see the schema'}`;
      }
      // A union with its own message (secret references) says it best.
      if (issue.message && issue.message !== 'Invalid input') return issue.message;
      // Say what the closest alternative wanted (an unknown metric name, say) rather than "Invalid input".
      const nested = (issue.errors ?? []).flat();
      const telling = nested.find((i) => i.code !== 'invalid_type') ?? nested[0];
      return telling ? describe(telling) : issue.message;
    }
    default:
      return issue.message;
  }
}

/**
 * A deployment that watches several regions or accounts must hear when one of them cannot be read:
 * unless the file has its own `source_health` rule, one is added (warning after settings.source_failure_after).
 */
function withSourceHealth(config: Config): Config {
  const s = config.settings;
  const several = (s.regions?.length ?? 0) > 1 || (s.accounts?.length ?? 0) > 0;
  if (!several || config.rules.some((r) => r.kind === 'source_health')) return config;
  const rule = Rule.parse({
    name: 'bedrock-watch-source-health',
    kind: 'source_health',
    signal: 'other',
    description: 'bedrock-watch cannot read the Bedrock metrics of a region or account.',
    next_check:
      "Read the error in the alert: AccessDenied means the member account's role or its trust policy (external id); throttling means GetMetricData limits in that region; check the evaluate function's logs for the failing call.",
    keep_firing_for: '0m',
    resolve_after_missing: '1h',
    tiers: { warning: { for: s.source_failure_after / 60_000 + 'm' } },
  });
  return { ...config, rules: [...config.rules, rule] };
}

type JsonSchema = { $ref?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; $defs?: Record<string, JsonSchema> };
let configSchema: JsonSchema | undefined;

/** The field names the schema allows in the object at `path` (every branch of a union), for "did you mean". */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  configSchema ??= zod.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const root = configSchema;
  const expand = (n: JsonSchema | undefined, seen = 0): JsonSchema[] => {
    if (!n || seen > 20) return [];
    if (n.$ref) return expand(root.$defs?.[n.$ref.replace(/^#\/\$defs\//, '')], seen + 1);
    return [n, ...[...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])].flatMap((x) => expand(x, seen + 1))];
  };
  let nodes = expand(root);
  for (const key of path) nodes = nodes.flatMap((n) => expand(typeof key === 'number' ? n.items : n.properties?.[String(key)]));
  return [...new Set(nodes.flatMap((n) => Object.keys(n.properties ?? {})))];
}
