/**
 * What one series is about: a model in one region of one account. The pipeline keys frames,
 * baselines, alerts and log buckets by a target key. A deployment that watches one region of
 * one account keys by the bare ModelId (so its labels, fingerprints and stored items are exactly
 * what they were before several regions were supported); once more than one place is watched,
 * the key carries the place and the alert labels gain `Region` and `AccountId`.
 */

export interface Target {
  modelId: string;
  region?: string;
  account?: string;
}

/** Never part of a Bedrock model id, inference-profile id or ARN. */
const SEP = '|';

export function targetKey(t: Target): string {
  if (!t.region && !t.account) return t.modelId;
  return [t.region ?? '', t.account ?? '', t.modelId].join(SEP);
}

export function parseTarget(key: string): Target {
  const i = key.indexOf(SEP);
  if (i < 0) return { modelId: key };
  const j = key.indexOf(SEP, i + 1);
  const region = key.slice(0, i);
  const account = key.slice(i + 1, j);
  return { modelId: key.slice(j + 1), ...(region ? { region } : {}), ...(account ? { account } : {}) };
}

/** The model a target key is about (pricing, stop-reason tables, filters by model). */
export const modelIdOf = (key: string): string => parseTarget(key).modelId;

/** The labels an alert on this target carries: ModelId, and Region / AccountId when several places are watched. */
export function targetLabels(key: string): Record<string, string> {
  const t = parseTarget(key);
  return { ModelId: t.modelId, ...(t.region ? { Region: t.region } : {}), ...(t.account ? { AccountId: t.account } : {}) };
}

/** The target key back from an alert's labels (null for alerts that are not about one model, e.g. account budgets). */
export function targetOfLabels(labels: Record<string, string>): string | null {
  if (!labels.ModelId) return null;
  return targetKey({ modelId: labels.ModelId, region: labels.Region, account: labels.AccountId });
}

/** "anthropic.claude-3-5-sonnet… in us-west-2 (111111111111)": how messages name a target. */
export function describeTarget(key: string): string {
  const t = parseTarget(key);
  const where = [t.region, t.account && `account ${t.account}`].filter(Boolean).join(', ');
  return where ? `${t.modelId} (${where})` : t.modelId;
}

/** A place read as one unit (one region of one account): `region|account`, either part possibly empty. */
export const placeKey = (region: string | undefined, account: string | undefined): string => `${region ?? ''}${SEP}${account ?? ''}`;

export function placeOfTarget(key: string): string {
  // Asked for every model several times a tick: each key parsed once.
  let place = places.get(key);
  if (place === undefined) {
    if (places.size > 10_000) places.clear();
    const t = parseTarget(key);
    places.set(key, (place = placeKey(t.region, t.account)));
  }
  return place;
}
const places = new Map<string, string>();

/** Labels of a place, for alerts about the place itself (a region or account that cannot be read). */
export function placeLabels(place: string): Record<string, string> {
  const [region, account] = place.split(SEP);
  return { ...(region ? { Region: region } : {}), ...(account ? { AccountId: account } : {}) };
}

/**
 * Where an invocation-log record goes: the log record names its region and account (Bedrock writes
 * both), and the deployment's target keys name only what it watches (nothing for one region of one
 * account, the region when several regions are watched, region and account when accounts are).
 * Given the places a deployment reads (placeKey values; empty or one unlabelled place: the
 * single-place default), a record's origin maps to the place that reads it: the exact place, else
 * the same region of the own account (whose key carries no account), else — a place not watched —
 * its own full origin, so it is never merged into another place's series.
 */
export function logTargetResolver(places: readonly string[]): (modelId: string, region: string | null, account: string | null) => string {
  const known = new Set(places);
  if (known.size === 0 || (known.size === 1 && known.has(placeKey(undefined, undefined)))) return (modelId) => modelId;
  return (modelId, region, account) => {
    const r = region ?? undefined;
    const a = account ?? undefined;
    if (known.has(placeKey(r, a))) return targetKey({ modelId, region: r, account: a });
    if (known.has(placeKey(r, undefined))) return targetKey({ modelId, region: r });
    return targetKey({ modelId, region: r, account: a });
  };
}

/** The places of a set of target keys (a trace's, a frame's). */
export const placesOfTargets = (keys: Iterable<string>): string[] => [...new Set([...keys].map(placeOfTarget))].sort();
