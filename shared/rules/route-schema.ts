/**
 * The routing parts of rules.yml, in Alertmanager's shape: a `route` tree with label matchers,
 * `continue`, grouping and timers inherited by children; `inhibit` with source/target matchers
 * and `equal`; named `time_intervals` for mute and active windows. References (receivers, rules,
 * labels, interval names) are checked in schema.ts, where the whole file is known.
 */
import { z } from 'zod';
import { compileRegex, parseMatchers, type Matcher } from './matchers';
import { Duration } from './units-schema';

/** One string of matchers, Alertmanager's syntax: one matcher, or several as `{a="b", c=~"d"}` or `a=b,c!=d`. */
const MatcherText = z
  .string()
  .transform((v, ctx): Matcher[] => {
    const m = parseMatchers(v);
    if (typeof m === 'string') {
      ctx.addIssue({ code: 'custom', message: m });
      return z.NEVER;
    }
    return m;
  })
  .meta({ description: 'Alertmanager matcher: name="value", name!="value", name=~"regex" or name!~"regex" (several: {a="b", c=~"d"})' });

/** A list of matcher strings, or one as a plain string (each may hold several matchers, as in Alertmanager). */
export const Matchers = z.union([MatcherText, z.array(MatcherText).transform((ms) => ms.flat())]);

/** Alertmanager's older `match:` / `match_re:` maps (label → value or regex), as matchers. */
const MatchMap = z.record(z.string(), z.string());
function mapMatchers(eq: Record<string, string> | undefined, re: Record<string, string> | undefined, ctx: z.RefinementCtx, keys: [string, string]): Matcher[] {
  const out: Matcher[] = Object.entries(eq ?? {}).map(([name, value]) => ({ name, op: '=' as const, value }));
  for (const [name, value] of Object.entries(re ?? {})) {
    const r = compileRegex(value);
    if (typeof r === 'string') ctx.addIssue({ code: 'custom', path: [keys[1], name], message: `"${value}": ${r}` });
    else out.push({ name, op: '=~', value, re: r });
  }
  return out;
}

/**
 * Route settings a child inherits from its parent unless it sets them (escalation helpers add
 * their own fields here: every field in this shape is inherited and carried to matched routes).
 */
export const ROUTE_SETTINGS = {
  receiver: z.string().min(1).optional().meta({ description: 'One receiver (Alertmanager style).' }),
  receivers: z.array(z.string().min(1)).optional().meta({ description: 'Several receivers for this route.' }),
  group_by: z.array(z.string()).optional().meta({
    description: "Labels that split alerts into groups (one message per group and receiver). ['...'] = every alert alone; [] = one group for the route.",
  }),
  group_wait: Duration.optional().meta({ description: 'Wait this long after a group forms before its first message, so alerts firing together go out together.' }),
  group_interval: Duration.optional().meta({ description: 'After a message, wait this long before telling about changes (alerts joining, resolving, escalating).' }),
  repeat_interval: Duration.optional().meta({ description: 'Re-send a group that is still firing and unchanged this often.' }),
  send_resolved: z.boolean().optional().meta({ description: 'Tell the receivers when alerts resolve (default true).' }),
  escalation: z.string().optional().meta({ description: 'Escalation policy (a name under `escalation`) for the alerts this route takes; inherited by child routes.' }),
};

/** Not inherited (as in Alertmanager): they apply to the route that names them. */
const ROUTE_OWN = {
  matchers: Matchers.optional(),
  match: MatchMap.optional().meta({ description: "Alertmanager's older form: { label: value } (exact)." }),
  match_re: MatchMap.optional().meta({ description: "Alertmanager's older form: { label: regex } (anchored)." }),
  continue: z.boolean().default(false).meta({ description: 'Keep matching the following sibling routes after this one matched.' }),
  mute_time_intervals: z.array(z.string()).optional().meta({ description: 'Names of time_intervals during which this route sends nothing (messages wait).' }),
  active_time_intervals: z.array(z.string()).optional().meta({ description: 'Names of time_intervals outside which this route sends nothing (messages wait).' }),
};

export interface RouteInput extends z.output<z.ZodObject<typeof ROUTE_SETTINGS>> {
  matchers?: Matcher[];
  continue: boolean;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: RouteInput[];
}

export const Route: z.ZodType<RouteInput> = z.lazy(() =>
  z
    .strictObject({
      ...ROUTE_SETTINGS,
      ...ROUTE_OWN,
      routes: z.array(Route).optional().meta({ description: 'Child routes, tried in order; the first match handles the alert unless it has continue: true.' }),
    })
    .transform(({ match, match_re, ...r }, ctx) => {
      if (!match && !match_re) return r;
      return { ...r, matchers: [...(r.matchers ?? []), ...mapMatchers(match, match_re, ctx, ['match', 'match_re'])] };
    }),
) as unknown as z.ZodType<RouteInput>;

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const clock = z.string().regex(CLOCK, 'must be a time HH:MM (00:00 to 24:00)');
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** An inclusive range [begin, end]; one value is a range of one. */
export interface Span {
  begin: number;
  end: number;
}

/**
 * Alertmanager's ranges: `monday:friday`, `saturday`, `1:15`, `2025:2026`. `names`: the only words
 * accepted (weekdays take names only, as in Alertmanager; months take names or 1–12).
 */
const rangeList = (opts: { names?: string[]; numbers: boolean; min: number; max: number; what: string; example: string; check?: (s: Span) => string | null }) =>
  z.array(z.union([z.string(), z.number()])).transform((items, ctx): Span[] => {
    const out: Span[] = [];
    const one = (s: string): number | null => {
      const t = s.trim().toLowerCase();
      if (opts.names?.includes(t)) return opts.names.indexOf(t) + opts.min;
      if (!opts.numbers || !/^-?\d+$/.test(t)) return null;
      const n = Number(t);
      return n >= opts.min && n <= opts.max ? n : null;
    };
    items.forEach((item, i) => {
      const parts = String(item).split(':');
      const from = parts.length <= 2 ? one(parts[0]) : null;
      const to = parts.length === 2 ? one(parts[1]) : from;
      if (from === null || to === null) {
        ctx.addIssue({ code: 'custom', path: [i], message: `"${item}" is not a ${opts.what} or a range of them like ${opts.example}` });
        return;
      }
      const problem = opts.check ? opts.check({ begin: from, end: to }) : to < from ? `"${item}": the range ends before it starts` : null;
      if (problem) ctx.addIssue({ code: 'custom', path: [i], message: problem });
      else out.push({ begin: from, end: to });
    });
    return out;
  });

/** Days of the month, 1–31 or counted from the end (-1 is the last day), with Alertmanager's checks. */
const dayOfMonthCheck = ({ begin, end }: Span): string | null => {
  if (begin === 0 || end === 0) return 'day 0 is not a day of the month (1 to 31, or -1 for the last day)';
  if (begin < 0 && end > 0) return `"${begin}:${end}": the end day must be negative when the start day is`;
  const b = begin < 0 ? 28 + begin : begin;
  const e = end < 0 ? 28 + end : end;
  return b > e ? `"${begin}:${end}": the end day is before the start day` : null;
};

const TimeRange = z
  .strictObject({ start_time: clock, end_time: clock })
  .transform((t) => {
    const mins = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
    return { start: mins(t.start_time), end: mins(t.end_time) };
  })
  .refine((t) => t.start < t.end, {
    message: 'end_time must be after start_time on the same day (as in Alertmanager): split a night window into 22:00–24:00 and 00:00–06:00',
  });

export const TimeInterval = z.strictObject({
  times: z.array(TimeRange).optional().meta({ description: 'Times of day, local to `location`: [{start_time: "22:00", end_time: "24:00"}]' }),
  weekdays: rangeList({ names: WEEKDAY_NAMES, numbers: false, min: 0, max: 6, what: 'weekday name', example: 'monday:friday' })
    .optional()
    .meta({ description: "Weekday names or ranges: ['monday:friday', 'sunday'] (names only, as in Alertmanager)" }),
  days_of_month: rangeList({ numbers: true, min: -31, max: 31, what: 'day of the month', example: '1:15 or -7:-1 (the last week)', check: dayOfMonthCheck })
    .optional()
    .meta({ description: "Days of the month or ranges; negative counts from the month's end: ['1:15'], ['-1'] = the last day." }),
  months: rangeList({ names: MONTH_NAMES, numbers: true, min: 1, max: 12, what: 'month', example: 'january:march or 1:3' }).optional(),
  years: rangeList({ numbers: true, min: 1, max: 9999, what: 'year', example: '2026:2027' }).optional(),
  location: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}: must be an IANA time zone like Europe/Berlin or America/New_York` })
    .optional()
    .meta({ description: 'IANA time zone the times and days are in (default: settings.timezone). DST is followed.' }),
});
export type TimeInterval = z.output<typeof TimeInterval>;

export const NamedTimeInterval = z.strictObject({
  name: z.string().min(1),
  time_intervals: z.array(TimeInterval).min(1).meta({ description: 'The window holds when any of these holds.' }),
});

/** Legacy matcher object (rule/signal/tier), kept so existing files still load. */
const LegacyMatcher = z.strictObject({ rule: z.string().optional(), signal: z.string().optional(), tier: z.string().optional() });

const legacyToMatchers = (m: z.output<typeof LegacyMatcher> | undefined): Matcher[] =>
  Object.entries({ rule: m?.rule, signal: m?.signal, severity: m?.tier }).flatMap(([name, value]) => (value === undefined ? [] : [{ name, op: '=' as const, value }]));

export const Inhibit = z
  .strictObject({
    source_matchers: Matchers.optional().meta({ description: 'A firing alert matching these mutes…' }),
    target_matchers: Matchers.optional().meta({ description: '…alerts matching these, when the `equal` labels have the same value in both.' }),
    source_match: MatchMap.optional().meta({ description: "Alertmanager's older form of source_matchers: { label: value }." }),
    source_match_re: MatchMap.optional().meta({ description: "Alertmanager's older form: { label: regex }." }),
    target_match: MatchMap.optional().meta({ description: "Alertmanager's older form of target_matchers: { label: value }." }),
    target_match_re: MatchMap.optional().meta({ description: "Alertmanager's older form: { label: regex }." }),
    source: LegacyMatcher.optional().meta({ description: 'Older form of source_matchers: { rule, signal, tier }.' }),
    target: LegacyMatcher.optional().meta({ description: 'Older form of target_matchers.' }),
    equal: z.array(z.string()).default(['ModelId']),
  })
  .transform((r, ctx) => {
    if (r.source && r.source_matchers) ctx.addIssue({ code: 'custom', path: ['source'], message: 'use source_matchers or source, not both' });
    if (r.target && r.target_matchers) ctx.addIssue({ code: 'custom', path: ['target'], message: 'use target_matchers or target, not both' });
    const srcMap = r.source_match || r.source_match_re ? mapMatchers(r.source_match, r.source_match_re, ctx, ['source_match', 'source_match_re']) : [];
    const tgtMap = r.target_match || r.target_match_re ? mapMatchers(r.target_match, r.target_match_re, ctx, ['target_match', 'target_match_re']) : [];
    return {
      // As in Alertmanager, the older maps add to the matchers.
      source_matchers: [...(r.source_matchers ?? legacyToMatchers(r.source)), ...srcMap],
      target_matchers: [...(r.target_matchers ?? legacyToMatchers(r.target)), ...tgtMap],
      equal: r.equal,
      /** Where in the object the matchers were written, for located reference errors. */
      sourceKey: r.source_matchers ? 'source_matchers' : r.source ? 'source' : 'source_match',
      targetKey: r.target_matchers ? 'target_matchers' : r.target ? 'target' : 'target_match',
    };
  });
export type InhibitRule = z.output<typeof Inhibit>;
