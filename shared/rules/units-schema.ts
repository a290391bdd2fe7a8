/** Unit fields of rules.yml as zod types: parsing checks and converts (durations to ms, percentages to fractions). */
import { z } from 'zod';
import { parseAlarmRate, parseDuration, parseFraction, parseMillis, parseMultiple, parseRate } from './units';

const unit = (parse: (v: unknown) => number | string, example: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v, ctx) => {
      const r = parse(v);
      if (typeof r === 'string') {
        ctx.addIssue({ code: 'custom', message: r });
        return z.NEVER;
      }
      return r;
    })
    .meta({ description: `e.g. ${example}` });

export const Duration = unit(parseDuration, '5m, 90s, 2h');
export const Fraction = unit(parseFraction, '5% or 0.05');
/** A multiple of a baseline: 1.3 or 130%. */
export const Multiple = unit(parseMultiple, '1.3 or 130%');
/** A share of requests: at most 100%. */
export const Rate = unit(parseRate, '5% or 0.05');
export const Millis = unit(parseMillis, '10s, 800ms or 10000');
/** A false-alarm budget, converted to alarms per week. */
export const AlarmRate = unit(parseAlarmRate, '1/month, 1/year or 2/week');
