import { readFileSync } from 'node:fs';
import { allReceivers, compileRoute, matchRoutes } from '../../shared/route/tree';
import { join } from 'node:path';
import { RulesError, type RulesProblem } from '../../shared/rules/errors';
import { loadRulesFile, parseRules } from '../../shared/rules/load';

/** A valid rules file; `rule` lines go inside the first rule, `routes` replaces the critical route. */
function rulesFile({ rule = '', routes = '[pagerduty-oncall]', extra = '' } = {}): string {
  return [
    'receivers:', //                                         1
    '  - name: pagerduty-oncall', //                         2
    '    type: pagerduty', //                                3
    '    routing_key: { env: PD_ROUTING_KEY }', //           4
    'routes:', //                                            5
    `  critical: ${routes}`, //                              6
    'rules:', //                                             7
    '  - name: bedrock-server-errors', //                    8
    '    kind: ratio', //                                    9
    '    numerator: InvocationServerErrors', //              10
    '    denominator: Invocations', //                       11
    ...(rule ? rule.split('\n') : []), //                    12…
    '    next_check: Check the AWS Health Dashboard.',
    '    tiers:',
    '      critical: { above: 5%, for: 5m }',
    ...(extra ? extra.split('\n') : []),
    '',
  ].join('\n');
}

function problems(text: string): RulesProblem[] {
  try {
    parseRules(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RulesError);
    return (e as RulesError).problems;
  }
  throw new Error('expected the rules to be rejected');
}

const message = (text: string): string => {
  try {
    parseRules(text);
  } catch (e) {
    return (e as Error).message;
  }
  return '(accepted)';
};

describe('rules file errors name file, line, column and field', () => {
  it('accepts the base file used below', () => {
    expect(parseRules(rulesFile()).rules.map((r) => r.name)).toEqual(['bedrock-server-errors']);
  });

  it.each([
    {
      what: 'a wrong type',
      text: rulesFile({ rule: '    min_requests: lots' }),
      prefix: 'rules.yml:12:19: rules[0].min_requests ',
      path: 'rules[0].min_requests',
      says: 'must be a number',
    },
    {
      what: 'an unknown metric',
      text: rulesFile({
        extra: [
          '  - name: bedrock-latency-p95', //                                           15
          '    kind: threshold',
          '    metric: InvocationLatencyMs', //                                         17
          '    stat: p95',
          '    next_check: Look at OutputTokenCount.',
          '    tiers: { critical: { above: 10s } }',
        ].join('\n'),
      }),
      prefix: 'rules.yml:17:13: rules[1].metric ',
      path: 'rules[1].metric',
      says: 'unknown metric "InvocationLatencyMs": use one of Invocations,',
    },
    {
      what: 'an unknown metric in a ratio numerator (metric or list of metrics)',
      text: rulesFile().replace('numerator: InvocationServerErrors', 'numerator: InvocationServerError'),
      prefix: 'rules.yml:10:16: rules[0].numerator ',
      path: 'rules[0].numerator',
      says: 'unknown metric "InvocationServerError"',
    },
    {
      what: 'a duration without a unit',
      text: rulesFile({ rule: '    window: 5' }),
      prefix: 'rules.yml:12:13: rules[0].window ',
      path: 'rules[0].window',
      says: 'must be a duration with a unit, like 5m, 90s or 2h',
    },
    {
      what: 'a duration in words',
      text: rulesFile({ rule: '    window: 5 minutes' }),
      prefix: 'rules.yml:12:13: rules[0].window ',
      path: 'rules[0].window',
      says: '"5 minutes" is not a duration',
    },
    {
      what: 'a bad duration inside a tier',
      text: rulesFile().replace('for: 5m', 'for: 5mins'),
      prefix: 'rules.yml:14:35: rules[0].tiers.critical.for ',
      path: 'rules[0].tiers.critical.for',
      says: '"5mins" is not a duration',
    },
    {
      what: 'a duplicate rule name',
      text: rulesFile({
        extra: [
          '  - name: bedrock-server-errors',
          '    kind: ratio',
          '    numerator: InvocationServerErrors',
          '    denominator: Invocations',
          '    next_check: Again.',
          '    tiers: { critical: { above: 5% } }',
        ].join('\n'),
      }),
      prefix: 'rules.yml:15:11: rules[1].name ',
      path: 'rules[1].name',
      says: 'duplicate rule name "bedrock-server-errors" (also rules[0])',
    },
    {
      what: 'an unknown receiver in routes',
      text: rulesFile({ routes: '[pagerduty-oncall, slack-alerts]' }),
      prefix: 'rules.yml:6:32: routes.critical[1] ',
      path: 'routes.critical[1]',
      says: 'unknown receiver "slack-alerts"',
    },
    {
      what: 'an unknown rule kind',
      text: rulesFile().replace('kind: ratio', 'kind: ratios'),
      prefix: 'rules.yml:9:11: rules[0].kind ',
      path: 'rules[0].kind',
      says: 'must be one of the kinds:',
    },
  ])('$what', ({ text, prefix, path, says }) => {
    const [p, ...more] = problems(text);
    expect(more).toEqual([]);
    expect(p.path).toBe(path);
    expect(message(text)).toContain(says);
    expect(message(text).startsWith(prefix)).toBe(true);
  });

  it('points an unknown field at the field itself', () => {
    const text = rulesFile({ rule: '    tresholds: { critical: 5% }' });
    const [p, ...more] = problems(text);
    expect(more).toEqual([]);
    expect(p.message).toBe('unknown field "tresholds"');
    expect(['rules[0]', 'rules[0].tresholds']).toContain(p.path);
    expect({ line: p.line, col: p.col }).toEqual({ line: 12, col: 5 });
  });

  it('reports a missing required field at the object that lacks it', () => {
    const text = rulesFile().replace('    next_check: Check the AWS Health Dashboard.\n', '');
    expect(message(text)).toBe('rules.yml:8:5: rules[0].next_check is required (string)');
  });

  it.each([
    ['a tab used for indentation', 'rules:\n  - name: x\n\tkind: ratio\n', 'rules.yml:3:1: YAML: indented with a tab: YAML indentation must be spaces'],
    ['a nested mapping on one line', rulesFile({ rule: '    window: 5m: 6m' }), 'rules.yml:12:13: YAML: Nested mappings are not allowed in compact mappings'],
    ['a repeated key', rulesFile({ rule: '    window: 5m\n    window: 6m' }), 'rules.yml:13:5: YAML: Map keys must be unique'],
  ])('reports YAML syntax errors with their position: %s', (_what, text, first) => {
    const [p] = problems(text);
    expect(p.path).toBe('');
    expect(message(text).split('\n')[0]).toBe(first);
  });

  it('names the file it was given', () => {
    expect(message(rulesFile({ rule: '    window: 5' })).startsWith('rules.yml:12:13: ')).toBe(true);
    expect(() => parseRules(rulesFile({ rule: '    window: 5' }), 'config/prod-rules.yml')).toThrow(/^config\/prod-rules\.yml:12:13: rules\[0\]\.window /);
  });

  it('lists several problems in file order', () => {
    const text = rulesFile({ rule: '    min_requests: -1\n    window: 5' }).replace('type: pagerduty', 'type: pagerdutyy');
    expect(problems(text).map((p) => `${p.line}:${p.col} ${p.path}`)).toEqual(['3:11 receivers[0].type', '12:19 rules[0].min_requests', '13:13 rules[0].window']);
  });

  it('says when the file cannot be read', () => {
    expect(() => loadRulesFile('/nonexistent/rules.yml')).toThrow(/^\/nonexistent\/rules\.yml:1:1: cannot read the rules file: /);
  });
});

describe('the shipped rules.yml', () => {
  const file = join(__dirname, '..', '..', 'rules.yml');

  it('validates', () => {
    expect(() => loadRulesFile(file)).not.toThrow();
  });

  it('holds the documented rules, with units normalised', () => {
    const config = loadRulesFile(file);
    const names = config.rules.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['bedrock-throttles', 'bedrock-server-errors', 'bedrock-client-errors', 'bedrock-latency-p95', 'bedrock-time-to-first-token']));
    const serverErrors = config.rules.find((r) => r.name === 'bedrock-server-errors');
    expect(serverErrors).toMatchObject({ kind: 'ratio', window: 300_000, min_requests: 20, evidence: 'sequential', false_alarms: { info: 1, warning: 12 / (365.25 / 7), critical: 7 / 365.25 }, tiers: { critical: { above: 0.05, for: 0 }, warning: { above: 0.01, for: 0 } } });
    const latency = config.rules.find((r) => r.name === 'bedrock-latency-p95');
    expect(latency).toMatchObject({ kind: 'threshold', tiers: { critical: { above: 10_000, baseline_ratio: 2 } } });
    expect(config.settings).toMatchObject({ publication_delay: 120_000, schedule: 60_000 });
    expect(compileRoute(config).repeat_interval).toBe(4 * 3_600_000);
  });

  it('routes only to receivers it defines: critical pages, warnings go to the ops channel, spend to FinOps', () => {
    const config = loadRulesFile(file);
    const tree = compileRoute(config);
    const receivers = new Set(config.receivers.map((r) => r.name));
    for (const name of allReceivers(tree)) expect(receivers).toContain(name);
    const to = (labels: Record<string, string>) => matchRoutes(tree, labels).flatMap((n) => n.receivers).sort();
    // Critical alerts page through the escalation policy (on-call Slack at once, PagerDuty after 15 min).
    const critical = matchRoutes(tree, { severity: 'critical', signal: 'throttles', rule: 'bedrock-throttles' });
    expect(critical.map((n) => n.escalation)).toContain('default-critical');
    expect(config.escalation['default-critical'].steps.flatMap((s) => s.receivers)).toContain('pagerduty-oncall');
    expect(to({ severity: 'warning', signal: 'throttles', rule: 'bedrock-throttles' })).toEqual(['slack-alerts', 'sns-alerts']);
    expect(to({ severity: 'warning', signal: 'budget', rule: 'bedrock-monthly-budget' })).toEqual(['slack-finops']);
    expect(to({ severity: 'warning', signal: 'cost', rule: 'bedrock-daily-cost' })).toEqual(['slack-finops']);
    // A storm over many models is one group per rule (severity is the group's attribute, not its key).
    expect(tree.group_by).toEqual(['rule']);
  });

  it('links every rule to its runbook section', () => {
    const config = loadRulesFile(file);
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'runbooks.md'), 'utf8');
    for (const r of config.rules) {
      expect(r.runbook).toBe(`docs/runbooks.md#${r.name}`);
      expect(doc).toContain(`## ${r.name}`);
    }
  });
});
