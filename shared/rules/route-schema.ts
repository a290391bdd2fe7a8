/**
 * The routing parts of rules.yml, in Alertmanager's shape: a `route` tree with label matchers,
 * `continue`, grouping and timers inherited by children; `inhibit` with source/target matchers
 * and `equal`; named `time_intervals` for mute and active windows. References (receivers, rules,
 * labels, interval names) are checked in schema.ts, where the whole file is known.
 */
import { z } from 'zod';
import { parseMatcher, type Matcher } from './matchers';
import { Duration } from './units-schema';

const MatcherText = z
  .string()
  .transform((v, ctx): Matcher => {
    const m = parseMatcher(v);
    if (typeof m === 'string') {
      ctx.addIssue({ code: 'custom', message: m });
      return z.NEVER;
    }
    return m;
  })
  .meta({ description: 'Alertmanager matcher: name="value", name!="value", name=~"regex" or name!~"regex"' });

/** A list of matchers, or one as a plain string. */
export const Matchers = z.union([MatcherText.transform((m) => [m]), z.array(MatcherText)]);

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
  z.strictObject({
    ...ROUTE_SETTINGS,
    ...ROUTE_OWN,
    routes: z.array(Route).optional().meta({ description: 'Child routes, tried in order; the first match handles the alert unless it has continue: true.' }),
  }),
) as unknown as z.ZodType<RouteInput>;

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const clock = z.string().regex(CLOCK, 'must be a time HH:MM (00:00 to 24:00)');
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** `monday:friday`, `saturday` → weekday numbers (0 = Sunday), Alertmanager syntax. */
const rangeList = (names: string[] | null, min: number, max: number, what: string) =>
  z.array(z.union([z.string(), z.number()])).transform((items, ctx) => {
    const out = new Set<number>();
    const one = (s: string): number | null => {
      const t = s.trim().toLowerCase();
      if (names && names.includes(t)) return names.indexOf(t) + (names === MONTH_NAMES ? 1 : 0);
      const n = Number(t);
      return Number.isInteger(n) && n >= min && n <= max ? n : null;
    };
    for (const item of items) {
      const [a, b = a] = String(item).split(':');
      const from = one(a);
      const to = one(b);
      if (from === null || to === null || to < from) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not a ${what} or a range of them like ${names ? `${names[1]}:${names[5]}` : `${min}:${max}`}` });
        continue;
      }
      for (let i = from; i <= to; i++) out.add(i);
    }
    return [...out].sort((x, y) => x - y);
  });

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
  weekdays: rangeList(WEEKDAY_NAMES, 0, 6, 'weekday').optional().meta({ description: "Weekdays or ranges: ['monday:friday', 'sunday']" }),
  days_of_month: rangeList(null, 1, 31, 'day of the month').optional(),
  months: rangeList(MONTH_NAMES, 1, 12, 'month').optional(),
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
    source: LegacyMatcher.optional().meta({ description: 'Older form of source_matchers: { rule, signal, tier }.' }),
    target: LegacyMatcher.optional().meta({ description: 'Older form of target_matchers.' }),
    equal: z.array(z.string()).default(['ModelId']),
  })
  .transform((r, ctx) => {
    if (r.source && r.source_matchers) ctx.addIssue({ code: 'custom', path: ['source'], message: 'use source_matchers or source, not both' });
    if (r.target && r.target_matchers) ctx.addIssue({ code: 'custom', path: ['target'], message: 'use target_matchers or target, not both' });
    return {
      source_matchers: r.source_matchers ?? legacyToMatchers(r.source),
      target_matchers: r.target_matchers ?? legacyToMatchers(r.target),
      equal: r.equal,
      /** Where in the object the matchers were written, for located reference errors. */
      sourceKey: r.source_matchers ? 'source_matchers' : 'source',
      targetKey: r.target_matchers ? 'target_matchers' : 'target',
    };
  });
export type InhibitRule = z.output<typeof Inhibit>;
