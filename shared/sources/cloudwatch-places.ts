/**
 * The metric source a deployment reads: this region of this account (the default, exactly as
 * before), or every region in settings.regions × this account and settings.accounts. Another
 * account is read either through CloudWatch cross-account observability (this account is its
 * monitoring account: no role needed) or by assuming a read-only role there (STS AssumeRole
 * with an external id; credentials cached until shortly before they expire).
 */
import type { CloudWatchClient, CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { placeKey } from '../core/target';
import type { Config } from '../rules/schema';
import { watchedPlaces } from '../rules/places';
import { CloudWatchSource, createCloudWatchClient, type Place } from './cloudwatch';
import { PlacesSource } from './places';
import type { MetricSource } from './types';

type Settings = Config['settings'];
type Credentials = NonNullable<Exclude<CloudWatchClientConfig['credentials'], (...args: never[]) => unknown>>;

export interface PlacesOptions {
  /** The region and account the stack runs in (AWS_REGION; the account from the stack's environment). */
  region: string | undefined;
  account: string | undefined;
  /** How clients are made (tests pass loopback endpoints); the SDK's adaptive-retry client by default. */
  cloudwatch?: (config: CloudWatchClientConfig) => CloudWatchClient;
  sts?: STSClient;
}

export { watchesSeveralPlaces } from '../rules/places';

export function metricSourceFor(settings: Settings, o: PlacesOptions): MetricSource {
  const client = o.cloudwatch ?? createCloudWatchClient;
  const places = watchedPlaces(settings, o);
  if (!places) return new CloudWatchSource({ client: client(o.region ? { region: o.region } : {}) });
  const sts = o.sts ?? new STSClient(o.region ? { region: o.region } : {});
  return new PlacesSource(
    places.map(({ region, account, roleArn, externalId, observability }) =>
      roleArn
        ? part({ region, account }, client({ region, credentials: assumedRole(sts, roleArn, externalId) }))
        : part({ region, account, ...(observability ? { observability } : {}) }, client({ region })),
    ),
  );
}

const part = (place: Place, client: CloudWatchClient) => ({ place: placeKey(place.region, place.account), source: new CloudWatchSource({ client, place }) });

/** Refresh this long before the credentials expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Credentials of a role in another account, assumed once and reused until shortly before they expire. */
export function assumedRole(sts: STSClient, roleArn: string, externalId: string | undefined, now: () => number = Date.now): () => Promise<Credentials> {
  let cached: { value: Credentials; expires: number } | undefined;
  let pending: Promise<Credentials> | undefined;
  return async () => {
    if (cached && now() < cached.expires - REFRESH_MARGIN_MS) return cached.value;
    pending ??= (async () => {
      try {
        const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'bedrock-watch', ExternalId: externalId, DurationSeconds: 3600 }));
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('no credentials in the answer');
        const expires = c.Expiration ? c.Expiration.getTime() : now() + 3_600_000;
        cached = { value: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration }, expires };
        return cached.value;
      } catch (e) {
        throw new Error(`STS AssumeRole ${roleArn}: ${(e as Error).name && (e as Error).name !== 'Error' ? `${(e as Error).name}: ` : ''}${(e as Error).message}`, { cause: e });
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}
