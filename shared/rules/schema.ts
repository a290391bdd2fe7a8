/**
 * The rules file, as a zod schema: parsing it checks and converts units (durations to ms,
 * percentages to fractions), so the engine only ever sees typed, normalised config.
 */
import { TIERS } from '../core/alert';
import { z } from 'zod';
import { BEDROCK_METRICS, STAT } from './metrics';
import { knownNames, unknownLabel, unknownRule } from './references';
import { secretRef } from './secret-ref';
import { tierOrderProblems } from './tier-order';
import { AlarmRate, Duration, Fraction, Millis, Multiple, Rate } from './units-schema';
import { Inhibit, NamedTimeInterval, Route, ROUTE_SETTINGS, type RouteInput } from './route-schema';
import type { Matcher } from './matchers';

export { Duration, Fraction, Millis, Rate };
const Positive = z.number().positive();



export const SIGNALS = [
  'throttles',
  'server_errors',
  'client_errors',
  'errors',
  'latency',
  'availability',
  'cost',
  'budget',
  'tokens',
  'completion',
  'other',
] as const;

const Metric = z.enum(BEDROCK_METRICS, {
  error: (iss) => `unknown metric ${JSON.stringify(iss.input)}: use one of ${BEDROCK_METRICS.join(', ')}`,
});
const Stat = z.string().regex(STAT, 'must be a CloudWatch statistic: Sum, Average, SampleCount, Minimum, Maximum or a percentile like p95');

/** An IANA zone name Intl knows (a typo would make every evaluate tick throw RangeError). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const Receiver = z.discriminatedUnion('type', [
  z.strictObject({ name: z.string().min(1), type: z.literal('slack'), webhook_url: secretRef('webhook_url') }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('pagerduty'),
    routing_key: secretRef('routing_key'),
    events_url: z.url().optional(),
  }),
  z.strictObject({
    name: z.string().min(1),
    type: z.literal('sns'),
    topic_arn: z
      .union([
        z
          .string()
          .startsWith('arn:')
          .refine((arn) => !arn.endsWith('.fifo'), 'is a FIFO topic (.fifo): every publish would fail without a MessageGroupId; use a standard SNS topic'),
        z.strictObject({ env: z.string().min(1) }),
      ])
      .optional()
      .meta({ description: "A topic ARN, or { env: NAME } for one the stack makes (MANAGEMENT_TOPIC_ARN); default: the stack's alert topic (ALERT_TOPIC_ARN)." }),
  }),
]);

const Selector = z.strictObject({
  include: z.array(z.string()).optional().meta({ description: 'Model id globs to evaluate (default: every model seen).' }),
  exclude: z.array(z.string()).optional(),
  regions: z.array(z.string()).optional().meta({ description: 'Only these regions (when settings.regions watches several).' }),
  accounts: z.array(z.string().regex(/^\d{12}$/, 'must be a 12-digit account id')).optional().meta({ description: 'Only these accounts (when settings.accounts is set).' }),
});

/** Fields every rule kind shares. */
const common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes, like bedrock-server-errors'),
  signal: z.enum(SIGNALS).optional(),
  description: z.string().optional(),
  next_check: z.string().min(1).meta({ description: 'What the person paged should look at first.' }),
  runbook: z
    .string()
    .regex(/^(https?:\/\/\S+|[\w./-]+(#[\w-]*)?)$/, 'must be a URL (https://…) or a path in this repository like docs/runbooks.md#bedrock-throttles')
    .optional()
    .meta({ description: 'Link to what to do: a URL, or a path in the repository (shown relative to settings.runbook_base_url).' }),
  labels: z
    .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name is letters, digits and _'), z.string())
    .optional()
    .meta({ description: 'Extra labels for routing and inhibition, e.g. { team: ml-platform }.' }),
  models: Selector.optional(),
  keep_firing_for: Duration.prefault('10m').meta({ description: 'Hysteresis: how long the condition must stay clear before resolving.' }),
  hysteresis: z.number().min(0).max(0.9).default(0.1).meta({ description: 'A firing tier holds until the value is this fraction past its threshold.' }),
  missing: z.enum(['keep', 'ok', 'breaching']).default('keep').meta({
    description: 'What a window without enough data means: keep the current state, count as ok, or count as breaching.',
  }),
  resolve_after_missing: Duration.prefault('30m').meta({ description: 'A firing alert with no evaluable data for this long resolves.' }),
  standalone: z.boolean().default(true).meta({ description: 'false: evaluated only as a condition of composite rules, never alerts on its own.' }),
};

const window = {
  window: Duration.prefault('5m'),
  max_window: Duration.optional().meta({ description: 'Low traffic widens the window up to this until min_requests is met (default 6 × window).' }),
  min_requests: z.number().int().min(0).default(20).meta({ description: 'Fewer requests than this in the window: not enough evidence, the window is not evaluated.' }),
};

const tierOf = <T extends z.ZodRawShape>(shape: T) =>
  z
    .strictObject({ info: z.strictObject(shape).optional(), warning: z.strictObject(shape).optional(), critical: z.strictObject(shape).optional() })
    .refine((t) => t.info || t.warning || t.critical, 'needs at least one of info, warning, critical');

const forField = { for: Duration.prefault('5m').meta({ description: 'How long the condition must hold before the tier fires.' }) };
/** Kinds judged on sequential evidence wait for nothing more by default: `for` would count the same evidence twice. */
const forOnEvidence = {
  for: Duration.prefault('0m').meta({ description: 'Extra time the tier must hold after the evidence decided (default none).' }),
  evidence_minutes: z.number().int().min(1).max(30).optional().meta({
    description:
      'sequential: the fewest published minutes the evidence must come from (its N−1 strongest minutes count for at most N−1 times as much as the others together). Default 3 at critical, so a blip of one or two minutes never pages, and 2 at warning and info, so a one-minute blip never notifies.',
  }),
};

const evidence = {
  evidence: z.enum(['sequential', 'window']).default('sequential').meta({
    description:
      'sequential: a tier fires on the first published minute at which the evidence accumulated since the problem began is strong enough (CUSUM; see README). window: the rule judges its window alone and relies on `for`.',
  }),
  evidence_odds: z.number().min(10).optional().meta({
    description:
      'sequential: the likelihood ratio the evidence must reach, overriding the bar derived from false_alarms (odds = published minutes per week ÷ alarms allowed per week).',
  }),
  false_alarms: z
    .strictObject({ info: AlarmRate.optional(), warning: AlarmRate.optional(), critical: AlarmRate.optional() })
    .optional()
    .meta({ description: "sequential: this rule's false-alarm budget per model, per tier, overriding settings.false_alarms, e.g. { warning: 1/week }." }),
};

const ThresholdRule = z.strictObject({
  ...common,
  ...window,
  kind: z.literal('threshold'),
  metric: Metric,
  stat: Stat,
  aggregate: z.enum(['median', 'mean', 'max', 'min', 'sum']).default('median').meta({
    description: 'How per-minute values combine over the window (median resists single slow minutes).',
  }),
  evidence: evidence.evidence,
  false_alarms: evidence.false_alarms,
  tiers: tierOf({
    ...forOnEvidence,
    above: Millis.optional(),
    below: Millis.optional(),
    baseline_ratio: Positive.optional().meta({
      description: "Also require the value to be at least this multiple of the model's own learned baseline (so a model that is always slow is not paged).",
    }),
  }),
});

const RatioRule = z.strictObject({
  ...common,
  ...window,
  kind: z.literal('ratio'),
  numerator: z.union([Metric, z.array(Metric).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  denominator: z.union([Metric, z.array(Metric).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  confidence: z.number().min(0.5).max(0.9999).default(0.95).meta({
    description: 'Fire only when the rate is above the threshold with this confidence (Wilson lower bound), so a few requests cannot page.',
  }),
  min_events: z.number().int().min(0).default(3).meta({ description: 'At least this many numerator events in the window.' }),
  ...evidence,
  tiers: tierOf({ ...forOnEvidence, above: Rate }),
});

const AbsentRule = z.strictObject({
  ...common,
  kind: z.literal('absent'),
  min_expected_requests: z.number().positive().default(30).meta({
    description: 'Silence counts once the model would normally have served this many requests during it (from its baseline and its rate just before).',
  }),
  min_gap: Duration.prefault('5m'),
  tiers: tierOf({ for: Duration.prefault('0m') }),
});

const CostRule = z.strictObject({
  ...common,
  kind: z.literal('cost'),
  window: Duration.optional().meta({
    description: 'Spend rate: judge the spend of the last `window` (e.g. 1h) against the learned spend for those same minutes, instead of the day so far.',
  }),
  min_day_fraction: Rate.prefault('10%').meta({ description: 'Judge once the spend expected so far today is at least this share of a normal day.' }),
  min_expected_usd: z.number().min(0).default(1).meta({ description: 'Judge once the spend expected so far today is at least this much: a model costing cents a day is not worth a page.' }),
  min_requests: z.number().int().min(0).default(100).meta({ description: 'Requests so far today needed before judging: a handful of large requests is noise, not a runaway.' }),
  tiers: tierOf({ ...forField, above: Multiple.meta({ description: 'Ratio of spend (so far today, or over the window) to the baseline for the same time, e.g. 1.5 or 150%' }) }),
});

const BASELINE_SERIES = ['cost', 'tokens', 'Invocations', 'InputTokenCount', 'OutputTokenCount'] as const;

const BaselineRule = z.strictObject({
  ...common,
  kind: z.literal('baseline'),
  series: z.enum(BASELINE_SERIES),
  window: Duration.prefault('1h'),
  compare: z.enum(['ratio', 'deviations']).default('ratio').meta({ description: 'ratio: value / expected; deviations: robust standard deviations above expected.' }),
  min_expected: z.number().min(0).default(0).meta({ description: 'Expected volume over the window below which the rule does not judge.' }),
  tiers: tierOf({ ...forField, above: Positive }),
});

const BudgetRule = z.strictObject({
  ...common,
  kind: z.literal('budget'),
  monthly_usd: Positive,
  per_model: z.boolean().default(false).meta({ description: 'true: the budget applies to each model; false: to all selected models together.' }),
  tiers: tierOf({
    for: Duration.prefault('0m'),
    spent_above: Fraction.optional().meta({ description: 'Share of the monthly budget spent so far, e.g. 75%' }),
    forecast_above: Fraction.optional().meta({ description: 'Month-end forecast as a share of the budget, e.g. 100%' }),
  }),
});

const WowRule = z.strictObject({
  ...common,
  kind: z.literal('week_over_week'),
  measure: z.enum(['tokens_per_request', 'tokens', 'latency_p95']).meta({
    description: 'Last 24 h vs the same 24 local hours a week before: tokens_per_request (input and output each, the larger change), tokens, latency_p95 (median hourly p95).',
  }),
  min_requests: z.number().int().min(0).default(500),
  tiers: tierOf({ for: Duration.prefault('0m'), above: Fraction.meta({ description: 'Increase, e.g. 20%' }) }),
});

const CompositeRule = z.strictObject({
  ...common,
  kind: z.literal('composite'),
  all: z
    .array(z.strictObject({ rule: z.string(), tier: z.enum(TIERS).default('warning') }))
    .min(2, 'needs at least two conditions')
    .meta({ description: 'Every named rule must be breaching at least this tier for the same model, at the same minute.' }),
  tiers: tierOf(forField),
});

const CompletionRule = z.strictObject({
  ...common,
  ...window,
  kind: z.literal('completion'),
  window: Duration.prefault('15m'),
  min_requests: z.number().int().min(0).default(50),
  confidence: z.number().min(0.5).max(0.9999).default(0.95),
  tiers: tierOf({ ...forField, below: Rate.meta({ description: 'Share of responses that finish (not cut at max tokens, filtered or failed), e.g. 95%' }) }),
});

const CallerSpendRule = z.strictObject({
  ...common,
  kind: z.literal('caller_spend'),
  window: Duration.prefault('1h'),
  min_expected_tokens: z.number().min(0).default(20_000).meta({ description: "A caller whose expected tokens over the window are below this is not judged (too small to matter)." }),
  tiers: tierOf({ ...forField, above: Positive.meta({ description: "Tokens over the window as a multiple of the caller's own baseline, e.g. 3" }) }),
});

/** A region or account whose metrics cannot be read (only when several are watched; added by default then). */
const SourceHealthRule = z.strictObject({
  ...common,
  kind: z.literal('source_health'),
  tiers: tierOf({ ...forField }),
});

export const Rule = z.discriminatedUnion('kind', [
  ThresholdRule,
  RatioRule,
  AbsentRule,
  CostRule,
  BaselineRule,
  BudgetRule,
  WowRule,
  CompositeRule,
  CompletionRule,
  CallerSpendRule,
  SourceHealthRule,
]);
export type Rule = z.output<typeof Rule>;
export type ThresholdRule = z.output<typeof ThresholdRule>;
export type RatioRule = z.output<typeof RatioRule>;
export type AbsentRule = z.output<typeof AbsentRule>;
export type CostRule = z.output<typeof CostRule>;
export type BaselineRule = z.output<typeof BaselineRule>;
export type BudgetRule = z.output<typeof BudgetRule>;
export type WowRule = z.output<typeof WowRule>;
export type CompositeRule = z.output<typeof CompositeRule>;
export type CompletionRule = z.output<typeof CompletionRule>;
export type CallerSpendRule = z.output<typeof CallerSpendRule>;
export type SourceHealthRule = z.output<typeof SourceHealthRule>;

const Settings = z
  .strictObject({
    publication_delay: Duration.prefault('2m').meta({ description: 'How long CloudWatch takes to publish a minute: younger minutes are not evaluated.' }),
    schedule: Duration.prefault('1m').meta({ description: 'How often evaluate runs (serverless.yml schedule); the backtest ticks at this rate.' }),
    log_delay: Duration.prefault('5m').meta({
      description: 'How long after a minute ends its invocation-log records have all reached the ingest function; log-based rules judge minutes this old.',
    }),
    detail_every: Duration.prefault('5m').meta({
      description:
        'How often the per-model token counts (spend and token rules, and rules whose every tier holds at least this long) are fetched from CloudWatch while no rule reading them is on the move; request and error counts, latency and time to first token are judged every tick (error counts through one account-wide read). 1m fetches everything per model every tick.',
    }),
    false_alarms: z
      .strictObject({
        info: AlarmRate.prefault('1/week'),
        warning: AlarmRate.prefault('1/month'),
        critical: AlarmRate.prefault('1/year'),
      })
      .prefault({})
      .meta({
        description:
          'False-alarm budget per rule and model: how often each tier may fire on traffic like the history (sequential evidence of ratio and latency rules derives its bar from it; backtest, explain and validate --history forecast it). E.g. { warning: 1/month, critical: 1/year }.',
      }),
    max_catch_up: Duration.prefault('60m').meta({ description: 'After missed ticks, evaluate at most this much of the past.' }),
    timezone: z
      .string()
      .refine(isTimeZone, { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}: use an IANA name like UTC, Europe/Berlin or America/New_York` })
      .default('UTC').meta({ description: 'IANA time zone for days and months (digest, daily cost, budgets) and the default for time_intervals.' }),
    regions: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a region name like us-east-1'))
      .min(1)
      .optional()
      .meta({ description: 'Regions to watch (default: the region the stack runs in). With more than one, alerts carry a Region label.' }),
    accounts: z
      .array(
        z.strictObject({
          id: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
          role_arn: z
            .string()
            .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
            .optional()
            .meta({ description: 'Read-only role to assume in that account; without it the account is read through CloudWatch cross-account observability (this account must be its monitoring account).' }),
          external_id: z.string().min(2).optional().meta({ description: 'External id the role requires (sts:ExternalId).' }),
        }),
      )
      .optional()
      .meta({ description: 'Other accounts to watch besides this one. Alerts then carry Region and AccountId labels.' }),
    source_failure_after: Duration.prefault('10m').meta({ description: 'A region or account whose metrics cannot be read for this long raises its own warning.' }),
    runbook_base_url: z.url().optional().meta({
      description: 'Where relative runbook links point, e.g. https://github.com/acme/bedrock-watch/blob/main/ (the shipped rules link docs/runbooks.md).',
    }),
  })
  .prefault({});

/** The short form: receivers per tier; compiled into a route tree (shared/route/tree.ts). */
const Routes = z.strictObject({
  info: z.array(z.string()).default([]),
  warning: z.array(z.string()).default([]),
  critical: z.array(z.string()).default([]),
  repeat_interval: Duration.prefault('4h').meta({ description: 'Re-send a still-firing, unacknowledged alert this often.' }),
  group_by: ROUTE_SETTINGS.group_by,
  group_wait: ROUTE_SETTINGS.group_wait,
  group_interval: ROUTE_SETTINGS.group_interval,
  send_resolved: ROUTE_SETTINGS.send_resolved,
  escalation: z
    .strictObject({ info: z.string().optional(), warning: z.string().optional(), critical: z.string().optional() })
    .optional()
    .meta({ description: 'Escalation policy (a name under `escalation`) per tier, e.g. { critical: default-critical }.' }),
});

const EscalationStep = z.strictObject({
  after: Duration.meta({ description: 'Delay from when the alert started firing at a tier using this policy, e.g. 15m.' }),
  receivers: z.array(z.string()).min(1, 'needs at least one receiver'),
});

const EscalationPolicy = z.strictObject({
  steps: z.array(EscalationStep).min(1, 'needs at least one step'),
  repeat_interval: Duration.optional().meta({
    description: 'Re-send to everyone the policy reached this long after its last message while unacknowledged (default: routes.repeat_interval).',
  }),
});

/** Slack ids: team T…, app A…, channel C…/G…, user U…/W… (upper-case letters and digits). */
const slackIds = (first: string, what: string) =>
  z.array(z.string().regex(new RegExp(`^[${first}][A-Z0-9]{2,20}$`), `must be a Slack ${what} id (${first.split('').join(' or ')} then upper-case letters and digits)`)).min(1, `needs at least one ${what} id`);

const Ack = z
  .strictObject({
    slack_signing_secret: secretRef('slack_signing_secret').optional().meta({
      description: "The Slack app's signing secret: the ack function verifies the Acknowledge button's requests with it. Set it to show the button.",
    }),
    slack_teams: slackIds('TE', 'team (workspace)').optional().meta({
      description: 'Slack workspaces (team ids, T…; E… for an Enterprise Grid org) whose button presses are accepted. Required with slack_signing_secret.',
    }),
    slack_apps: slackIds('A', 'app').optional().meta({
      description: 'Slack app ids (A…, the app whose Interactivity URL is the ack endpoint) whose button presses are accepted. Required with slack_signing_secret.',
    }),
    slack_channels: slackIds('CGD', 'channel').optional().meta({
      description: 'If set, only presses in these channels (C…/G… ids) are accepted.',
    }),
    slack_users: slackIds('UW', 'user').optional().meta({
      description: 'If set, only these Slack users (U…/W… ids) may acknowledge.',
    }),
    pagerduty_webhook_secret: secretRef('pagerduty_webhook_secret').optional().meta({
      description: 'Signing secret of the PagerDuty v3 webhook subscription (during a rotation PagerDuty signs with old and new: either matches).',
    }),
    pagerduty_services: z
      .array(z.string().regex(/^P[A-Z0-9]{5,13}$/, 'must be a PagerDuty service id (P then upper-case letters and digits, as in the service URL)'))
      .min(1, 'needs at least one service id')
      .optional()
      .meta({
        description:
          "PagerDuty services (ids, P…) bedrock-watch's routing keys page: webhook events of incidents on any other service are ignored. Required with pagerduty_webhook_secret.",
      }),
  })
  .superRefine((a, ctx) => {
    const need = (field: 'slack_teams' | 'slack_apps' | 'pagerduty_services', secret: string, what: string) => {
      if (a[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required with ${secret}: ${what}` });
    };
    if (a.slack_signing_secret) {
      need('slack_teams', 'slack_signing_secret', 'the Slack workspace ids (T…) whose button presses are accepted');
      need('slack_apps', 'slack_signing_secret', 'the Slack app ids (A…) whose button presses are accepted');
    }
    if (a.pagerduty_webhook_secret) need('pagerduty_services', 'pagerduty_webhook_secret', 'the PagerDuty service ids (P…) bedrock-watch pages');
  })
  .prefault({});

/** Labels every alert has (besides those its rule sets); ModelId/caller/budget exist depending on the rule kind. */
export const BUILTIN_LABELS = ['severity', 'rule', 'alertname', 'signal', 'ModelId', 'Region', 'AccountId', 'caller', 'budget'] as const;

export const Config = z
  .strictObject({
    settings: Settings,
    receivers: z.array(Receiver).default([]),
    routes: Routes.optional().meta({ description: 'Short form: receivers per tier. For label matchers, grouping per route and mute windows use `route`.' }),
    route: Route.optional().meta({ description: 'Alertmanager-style routing tree (instead of `routes`).' }),
    time_intervals: z.array(NamedTimeInterval).default([]).meta({ description: 'Named recurring windows for mute_time_intervals / active_time_intervals on routes.' }),
    digest_receivers: z.array(z.string()).optional().meta({ description: 'Receivers of the daily digest (default: the short form’s info receivers).' }),
    inhibit: z.array(Inhibit).default([]),
    escalation: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'policy names are lower-case letters, digits and dashes'), EscalationPolicy).default({}).meta({
      description: 'Named escalation policies: each step notifies its receivers once per notification group (the alerts its route groups together), `after` the group formed, listing them, until the group is acknowledged or every alert in it resolved.',
    }),
    ack: Ack,
    pricing: z
      .record(z.string(), z.strictObject({ input: z.number().min(0), output: z.number().min(0) }))
      .default({})
      .meta({ description: 'USD per 1,000 tokens by model id, overriding the shipped on-demand prices.' }),
    rules: z.array(Rule).min(1, 'needs at least one rule'),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.rules.forEach((r, i) => {
      if (seen.has(r.name)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${r.name}" (also rules[${seen.get(r.name)}])` });
      } else seen.set(r.name, i);
    });
    const byName = new Map(c.rules.map((r) => [r.name, r]));
    c.rules.forEach((r, i) => {
      if (r.kind !== 'composite') return;
      r.all.forEach((cond, j) => {
        const target = byName.get(cond.rule);
        if (!target) ctx.addIssue({ code: 'custom', path: ['rules', i, 'all', j, 'rule'], message: `unknown rule "${cond.rule}"` });
        else if (target.kind === 'composite' || target.kind === 'budget' || target.kind === 'week_over_week' || target.kind === 'caller_spend')
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'all', j, 'rule'], message: `a composite can combine per-minute rules only, not a ${target.kind} rule` });
      });
    });
    c.rules.forEach((r, i) => {
      for (const tier of TIERS) {
        const t = r.tiers[tier] as { spent_above?: number; forecast_above?: number } | undefined;
        if (r.kind === 'budget' && t && t.spent_above === undefined && t.forecast_above === undefined)
          ctx.addIssue({ code: 'custom', path: ['rules', i, 'tiers', tier], message: 'needs spent_above or forecast_above' });
      }
    });
    c.rules.forEach((r, i) => {
      for (const p of tierOrderProblems(r)) ctx.addIssue({ code: 'custom', path: ['rules', i, ...p.path], message: p.message });
    });
    checkRouting(c, ctx);
    checkEscalation(c, ctx);
  })
  // Each evidence rule carries its whole budget (its own tiers over settings.false_alarms), so a kind reads it from the rule.
  .transform((c) => ({
    ...c,
    rules: c.rules.map((r): typeof r => (r.kind === 'threshold' || r.kind === 'ratio' ? { ...r, false_alarms: { ...c.settings.false_alarms, ...stripUndefined(r.false_alarms ?? {}) } } : r)),
  }));

const stripUndefined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

type Ctx = z.RefinementCtx;
type ConfigOut = {
  receivers: { name: string }[];
  rules: { name: string; kind: string; per_model?: boolean; labels?: Record<string, string>; signal?: string }[];
  routes?: { info: string[]; warning: string[]; critical: string[]; escalation?: Partial<Record<'info' | 'warning' | 'critical', string>> };
  route?: RouteInput;
  escalation: Record<string, { steps: { after: number; receivers: string[] }[] }>;
  time_intervals: { name: string }[];
  digest_receivers?: string[];
  inhibit: { source_matchers: Matcher[]; target_matchers: Matcher[]; equal: string[]; sourceKey: string; targetKey: string }[];
};

/** Escalation policies name known receivers, in order; the routes name known policies. */
function checkEscalation(c: ConfigOut, ctx: Ctx): void {
  const receivers = new Set(c.receivers.map((r) => r.name));
  const policy = (name: string, path: (string | number)[]) => {
    if (!Object.hasOwn(c.escalation, name))
      ctx.addIssue({ code: 'custom', path, message: `unknown escalation policy "${name}" (defined: ${Object.keys(c.escalation).join(', ') || 'none'})` });
  };
    for (const tier of TIERS) {
    const name = c.routes?.escalation?.[tier];
    if (name !== undefined) policy(name, ['routes', 'escalation', tier]);
  }
  const walk = (node: RouteInput, path: (string | number)[]) => {
    if (node.escalation !== undefined) policy(node.escalation, [...path, 'escalation']);
    node.routes?.forEach((child, i) => walk(child, [...path, 'routes', i]));
  };
  if (c.route) walk(c.route, ['route']);
  for (const [name, p] of Object.entries(c.escalation)) {
    p.steps.forEach((step, i) => {
      if (i > 0 && step.after <= p.steps[i - 1].after)
        ctx.addIssue({ code: 'custom', path: ['escalation', name, 'steps', i, 'after'], message: 'steps must come in order: each `after` later than the step before' });
      step.receivers.forEach((r, j) => {
        if (!receivers.has(r)) ctx.addIssue({ code: 'custom', path: ['escalation', name, 'steps', i, 'receivers', j], message: `unknown receiver "${r}"` });
      });
    });
  }
}

/** Every name the routing refers to must exist: a typo would otherwise silently route nothing. */
function checkRouting(c: ConfigOut, ctx: Ctx): void {
  const receivers = new Set(c.receivers.map((r) => r.name));
  const receiver = (name: string, path: (string | number)[]) => {
    if (!receivers.has(name)) ctx.addIssue({ code: 'custom', path, message: `unknown receiver "${name}" (receivers: ${[...receivers].join(', ') || 'none'})` });
  };
  if (c.route && c.routes) ctx.addIssue({ code: 'custom', path: ['routes'], message: 'use either `routes` (short form) or `route` (tree), not both' });
  if (c.routes) for (const tier of TIERS) c.routes[tier].forEach((name, i) => receiver(name, ['routes', tier, i]));
  c.digest_receivers?.forEach((name, i) => receiver(name, ['digest_receivers', i]));

  const labels = new Set<string>(BUILTIN_LABELS);
  for (const r of c.rules) for (const l of Object.keys(r.labels ?? {})) labels.add(l);
  const intervals = new Set(c.time_intervals.map((t) => t.name));
  c.time_intervals.forEach((t, i) => {
    if (c.time_intervals.findIndex((u) => u.name === t.name) < i)
      ctx.addIssue({ code: 'custom', path: ['time_intervals', i, 'name'], message: `time interval "${t.name}" is defined twice (names must be unique, as in Alertmanager)` });
  });
  c.rules.forEach((r, i) => {
    for (const l of Object.keys(r.labels ?? {}))
      if ((BUILTIN_LABELS as readonly string[]).includes(l)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'labels', l], message: `"${l}" is set by bedrock-watch itself; choose another label name` });
  });
  const known = { rules: knownNames(c.rules).rules, labels: [...labels].sort() };
  const label = (name: string, path: (string | number)[]) => {
    const problem = unknownLabel(name, known);
    if (problem) ctx.addIssue({ code: 'custom', path, message: `${problem} (a rule adds its own with labels:)` });
  };
  // Legacy { rule, signal, tier } objects have no list to index: point at the object.
  const matchers = (ms: Matcher[] | undefined, path: (string | number)[], indexed = true) =>
    ms?.forEach((m, i) => {
      const at = indexed ? [...path, i] : [...path, m.name === 'severity' ? 'tier' : m.name];
      label(m.name, at);
      if (m.op !== '=' || m.value === '') return;
      // An exact value that no alert can have is a typo: say so rather than route nothing.
      if (m.name === 'rule' || m.name === 'alertname') {
        const problem = unknownRule(m.value, known);
        if (problem) ctx.addIssue({ code: 'custom', path: at, message: problem });
        return;
      }
      const values: Record<string, readonly string[]> = { severity: TIERS, signal: SIGNALS };
      if (values[m.name] && !values[m.name].includes(m.value)) ctx.addIssue({ code: 'custom', path: at, message: `no ${m.name} is "${m.value}" (one of: ${values[m.name].join(', ')})` });
    });

  const walk = (node: RouteInput, path: (string | number)[], depth: number) => {
    if (node.receiver) receiver(node.receiver, [...path, 'receiver']);
    node.receivers?.forEach((r, i) => receiver(r, [...path, 'receivers', i]));
    if (depth === 0 && node.matchers?.length) ctx.addIssue({ code: 'custom', path: [...path, 'matchers'], message: 'the root route matches every alert: put matchers on its child routes' });
    if (depth === 0 && node.continue) ctx.addIssue({ code: 'custom', path: [...path, 'continue'], message: 'the root route cannot have continue (as in Alertmanager): it has no siblings' });
    if (depth === 0 && (node.mute_time_intervals || node.active_time_intervals))
      ctx.addIssue({ code: 'custom', path, message: 'the root route cannot have mute or active time intervals (as in Alertmanager): put them on a child route' });
    matchers(node.matchers, [...path, 'matchers']);
    node.group_by?.forEach((l, i) => {
      if (l === '...' && node.group_by && node.group_by.length > 1) ctx.addIssue({ code: 'custom', path: [...path, 'group_by', i], message: "'...' (no grouping) stands alone" });
      else if (node.group_by!.indexOf(l) < i) ctx.addIssue({ code: 'custom', path: [...path, 'group_by', i], message: `label "${l}" is repeated in group_by` });
      else if (l !== '...') label(l, [...path, 'group_by', i]);
    });
    for (const key of ['mute_time_intervals', 'active_time_intervals'] as const)
      node[key]?.forEach((n, i) => {
        if (!intervals.has(n)) ctx.addIssue({ code: 'custom', path: [...path, key, i], message: `unknown time interval "${n}" (time_intervals: ${[...intervals].join(', ') || 'none'})` });
      });
    node.routes?.forEach((child, i) => walk(child, [...path, 'routes', i], depth + 1));
  };
  if (c.route) {
    walk(c.route, ['route'], 0);
    if (!c.route.receiver && !c.route.receivers?.length) ctx.addIssue({ code: 'custom', path: ['route'], message: 'the root route needs a receiver (or receivers): alerts no child route matches go there' });
  }
  c.inhibit.forEach((r, i) => {
    matchers(r.source_matchers, ['inhibit', i, r.sourceKey], r.sourceKey === 'source_matchers');
    matchers(r.target_matchers, ['inhibit', i, r.targetKey], r.targetKey === 'target_matchers');
    r.equal.forEach((l, j) => label(l, ['inhibit', i, 'equal', j]));
  });
}

export type Config = z.output<typeof Config>;
export type ReceiverConfig = z.output<typeof Receiver>;
export type { InhibitRule } from './route-schema';
export type EscalationPolicy = z.output<typeof EscalationPolicy>;
export type AckConfig = z.output<typeof Ack>;
