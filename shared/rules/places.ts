/**
 * The places (region × account) a deployment reads, from its settings: one region of one account
 * by default; every region in settings.regions × this account and settings.accounts otherwise.
 * Pure: the metric source (sources/cloudwatch-places.ts) builds one CloudWatch reader per place,
 * and the ingest function keys invocation-log buckets by the same places (core/target.ts).
 */
import { placeKey } from '../core/target';
import type { Config } from './schema';

type Settings = Config['settings'];

export interface WatchedPlace {
  region: string;
  /** Labelled only when other accounts are watched too (the own account's key then names it). */
  account?: string;
  /** A member account's read-only role; without it another account is read through cross-account observability. */
  roleArn?: string;
  externalId?: string;
  /** Another account read through CloudWatch cross-account observability. */
  observability?: boolean;
}

/** Whether the settings ask for more than this region of this account. */
export const watchesSeveralPlaces = (s: Settings): boolean => (s.regions?.length ?? 0) > 1 || (s.accounts?.length ?? 0) > 0;

/**
 * Every place the settings watch, or null for the single-place default (this region of this
 * account, keyed by the bare ModelId). `region` / `account`: where the stack runs.
 */
export function watchedPlaces(settings: Settings, here: { region: string | undefined; account: string | undefined }): WatchedPlace[] | null {
  if (!watchesSeveralPlaces(settings)) return null;
  const regions = settings.regions ?? (here.region ? [here.region] : []);
  if (!regions.length) throw new Error('settings.accounts needs settings.regions when the region the stack runs in is unknown (AWS_REGION)');
  const accounts = settings.accounts ?? [];
  const own = accounts.length ? here.account : undefined;
  return regions.flatMap((region) => [
    { region, ...(own ? { account: own } : {}) },
    ...accounts.map((a) => (a.role_arn ? { region, account: a.id, roleArn: a.role_arn, ...(a.external_id ? { externalId: a.external_id } : {}) } : { region, account: a.id, observability: true })),
  ]);
}

/** The placeKey values of watchedPlaces ([] for the single-place default). */
export const watchedPlaceKeys = (settings: Settings, here: { region: string | undefined; account: string | undefined }): string[] =>
  (watchedPlaces(settings, here) ?? []).map((p) => placeKey(p.region, p.account));
