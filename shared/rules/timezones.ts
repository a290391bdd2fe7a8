/**
 * Time zones that are valid but almost surely not what was meant: `EST` and `MST` are fixed offsets
 * (UTC−5, UTC−7) with no daylight saving time, so days, budgets and time intervals are an hour off for
 * half the year; `Etc/GMT+5` and the like are fixed offsets too. `validate` warns and names the zone to use.
 */
const FIXED: Record<string, string> = {
  EST: 'America/New_York (or America/Panama to keep UTC-5 all year)',
  MST: 'America/Denver (or America/Phoenix to keep UTC-7 all year)',
  HST: 'Pacific/Honolulu',
};

/** Why `tz` is likely a mistake, with the zone to use instead, or undefined. */
export function fixedOffsetZone(tz: string): string | undefined {
  const upper = tz.toUpperCase();
  if (FIXED[upper]) return `"${tz}" is a fixed offset with no daylight saving time: use an IANA zone like ${FIXED[upper]}`;
  if (/^(Etc\/)?(GMT|UTC)[+-]\d{1,2}$/i.test(tz) || /^[+-]\d{2}(:?\d{2})?$/.test(tz)) {
    return `"${tz}" is a fixed offset with no daylight saving time: use the IANA zone of the place, like America/New_York or Europe/Berlin (Etc/GMT+5 means UTC-5)`;
  }
  return undefined;
}

export interface ZoneWarning {
  path: (string | number)[];
  message: string;
}

/** The time zones of a config (settings.timezone, each time interval's location) that are fixed offsets. */
export function timeZoneWarnings(config: { settings: { timezone: string }; time_intervals: { time_intervals: { location?: string }[] }[] }): ZoneWarning[] {
  const out: ZoneWarning[] = [];
  const tz = fixedOffsetZone(config.settings.timezone);
  if (tz) out.push({ path: ['settings', 'timezone'], message: tz });
  config.time_intervals.forEach((named, i) =>
    named.time_intervals.forEach((t, j) => {
      const m = t.location ? fixedOffsetZone(t.location) : undefined;
      if (m) out.push({ path: ['time_intervals', i, 'time_intervals', j, 'location'], message: m });
    }),
  );
  return out;
}
