/**
 * Ground truth for sample traces (FORMAT.md `*-incidents.json`) and how a run's alert episodes
 * score against it: which incidents were detected, how soon and how loudly, and which alerts
 * matched nothing that should have paged.
 */
import { readFileSync } from 'node:fs';

export const INCIDENT_SEVERITIES = ['critical', 'warning', 'none'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export interface Incident {
  kind: string;
  modelId: string;
  /** Where, when the trace covers several regions or accounts. */
  region?: string;
  account?: string;
  /** ISO time the injected event starts. */
  start: string;
  minutes: number;
  /** `none`: noise that must not page. */
  severity: IncidentSeverity;
}

/** The part of an alert episode scoring needs (an `Episode` or a backtest `alerts` entry). */
export interface ScoredEpisode {
  labels: Record<string, string>;
  signal?: string;
  severity: string;
  startsAt: string;
  endsAt: string | null;
  /** When the episode first reached each tier (an escalating episode starts at a lower one); absent: at `startsAt`. */
  reached?: Partial<Record<string, string>>;
}

export interface IncidentResult<E extends ScoredEpisode = ScoredEpisode> {
  incident: Incident;
  /**
   * An episode on the incident's model, watching its signal, overlapped it (or its grace period) and
   * reached the expected severity. For noise (severity `none`): any episode on the model overlapped it.
   */
  detected: boolean;
  /** Highest severity among the episodes on the incident's signal that overlapped it (detected or not). */
  severity: string | null;
  /** Minutes from the incident's start to the first detecting episode reaching its severity (`reached`; negative: already firing). */
  delayMinutes: number | null;
  /** Minutes from the incident's start to the first episode on its signal reaching warning or above (`reached.warning`, or `reached.critical` when it paged at once); null: never. */
  warnMinutes: number | null;
  /** The detecting episodes. */
  episodes: E[];
}

export interface Score<E extends ScoredEpisode = ScoredEpisode> {
  incidents: IncidentResult<E>[];
  /** Every episode that detects no incident: noise, the wrong signal, or too low a severity. */
  unexpected: E[];
}

/**
 * The signals that watch each kind of injected incident (FORMAT.md: an alert counts only when its
 * signal is what the incident is about). A kind not listed here is matched by any signal.
 */
export const INCIDENT_SIGNALS: Record<string, readonly string[]> = {
  throttle_storm: ['throttles'],
  server_errors: ['server_errors', 'errors'],
  client_errors: ['client_errors', 'errors'],
  latency_spike: ['latency'],
  outage: ['availability'],
  cost_runaway: ['cost', 'budget'],
  token_drift: ['tokens'],
  truncation: ['completion'],
  filtering: ['completion'],
};

/** How long after an incident ends an alert still counts as detecting it (rules need `for` + window time). */
export const DETECTION_GRACE_MS = 30 * 60_000;

export class IncidentsError extends Error {}

export function parseIncidents(text: string, file = 'incidents.json'): Incident[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new IncidentsError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new IncidentsError(`${file}: expected an array of incidents`);
  return data.map((raw: unknown, i): Incident => {
    const r = (raw ?? {}) as Record<string, unknown>;
    const where = `${file}: [${i}]`;
    if (typeof r.modelId !== 'string' || !r.modelId) throw new IncidentsError(`${where}.modelId must be a model id`);
    if (typeof r.start !== 'string' || !Number.isFinite(Date.parse(r.start))) throw new IncidentsError(`${where}.start must be an ISO time`);
    if (typeof r.minutes !== 'number' || !(r.minutes > 0)) throw new IncidentsError(`${where}.minutes must be a positive number`);
    if (!INCIDENT_SEVERITIES.includes(r.severity as IncidentSeverity)) {
      throw new IncidentsError(`${where}.severity must be one of ${INCIDENT_SEVERITIES.join(', ')}`);
    }
    return {
      kind: typeof r.kind === 'string' ? r.kind : 'incident',
      modelId: r.modelId,
      ...(typeof r.region === 'string' ? { region: r.region } : {}),
      ...(typeof r.account === 'string' ? { account: r.account } : {}),
      start: r.start,
      minutes: r.minutes,
      severity: r.severity as IncidentSeverity,
    };
  });
}

export function loadIncidents(file: string): Incident[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new IncidentsError(`cannot read incidents file ${file}: ${(e as Error).message}`);
  }
  return parseIncidents(text, file);
}

const SEVERITY_RANK: Record<string, number> = { info: 1, warning: 2, critical: 3 };
const rank = (severity: string | null | undefined): number => (severity ? (SEVERITY_RANK[severity] ?? 0) : 0);

/** An episode matches an incident when it is on the same model and overlaps [start, start + minutes + grace]. */
export function matches(ep: ScoredEpisode, inc: Incident): boolean {
  if (ep.labels.ModelId !== inc.modelId) return false;
  if ((inc.region && ep.labels.Region !== inc.region) || (inc.account && ep.labels.AccountId !== inc.account)) return false;
  const from = Date.parse(inc.start);
  const to = from + inc.minutes * 60_000 + DETECTION_GRACE_MS;
  const s = Date.parse(ep.startsAt);
  const e = ep.endsAt === null ? Infinity : Date.parse(ep.endsAt);
  return s <= to && e >= from;
}

/** The episode watches what the incident is about. */
export function watches(ep: ScoredEpisode, inc: Incident): boolean {
  const signals = INCIDENT_SIGNALS[inc.kind];
  return !signals || (ep.signal !== undefined && signals.includes(ep.signal));
}

/** The episode counts as detecting a real incident: same model, in time, its signal, and at least its severity. */
export function detects(ep: ScoredEpisode, inc: Incident): boolean {
  return inc.severity !== 'none' && matches(ep, inc) && watches(ep, inc) && rank(ep.severity) >= rank(inc.severity);
}

/** When an episode first stood at `severity` or above: the earliest tier it reached that ranks at least as high. */
function reachedAt(ep: ScoredEpisode, severity: string): number {
  const times = Object.entries(ep.reached ?? {})
    .filter(([tier, iso]) => iso !== undefined && rank(tier) >= rank(severity))
    .map(([, iso]) => Date.parse(iso as string));
  return times.length ? Math.min(...times) : Date.parse(ep.startsAt);
}

const byStart = <E extends ScoredEpisode>(a: E, b: E) => Date.parse(a.startsAt) - Date.parse(b.startsAt);

export function score<E extends ScoredEpisode>(episodes: readonly E[], incidents: readonly Incident[]): Score<E> {
  const results = incidents.map((incident): IncidentResult<E> => {
    const onSignal = episodes.filter((ep) => matches(ep, incident) && (incident.severity === 'none' || watches(ep, incident))).sort(byStart);
    const hits = incident.severity === 'none' ? onSignal : onSignal.filter((ep) => detects(ep, incident));
    const severity = onSignal.reduce<string | null>((best, ep) => (rank(ep.severity) > rank(best) ? ep.severity : best), null);
    const warned = incident.severity === 'none' ? [] : onSignal.filter((ep) => rank(ep.severity) >= rank('warning'));
    const warnMinutes = warned.length ? Math.round((Math.min(...warned.map((ep) => reachedAt(ep, 'warning'))) - Date.parse(incident.start)) / 60_000) : null;
    if (!hits.length) return { incident, detected: false, severity, delayMinutes: null, warnMinutes, episodes: [] };
    // Until the first episode reached the expected severity: an episode that starts as a warning and
    // escalates later has not paged yet.
    const at = Math.min(...hits.map((ep) => reachedAt(ep, incident.severity)));
    const delayMinutes = Math.round((at - Date.parse(incident.start)) / 60_000);
    return { incident, detected: true, severity, delayMinutes, warnMinutes, episodes: hits };
  });
  const unexpected = episodes.filter((ep) => !incidents.some((inc) => detects(ep, inc)));
  return { incidents: results, unexpected: [...unexpected] };
}
