/**
 * The ack function's real adapters, built once per container: the rules file's `ack` secrets
 * (SSM or environment, as the notifiers' secrets), the table, and an HTTP POST to Slack's response_url.
 */
import { episodeKey } from '../route/route';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AckAllow, AckDeps, AckLog, AckStream } from '../ack/handle';
import type { StreamKeys } from '../core/stream-keys';
import { tableStreamKeys } from '../state/stream-secret';
import type { AckOutcome } from '../core/ack';
import { httpFailure, postJson } from '../notify/deliver';
import { resolveSecret, type SecretDeps } from '../notify/secrets';
import { packagedRules } from './packaged-rules';
import type { Config } from '../rules/schema';
import { AckStore } from '../state/acks';
import { DynamoStateStore } from '../state/dynamo-store';
import { tableFromEnv, type Table } from '../dynamo/table';

export const SLACK_RESPONSE_URL_PREFIX = 'https://hooks.slack.com/';

export interface AckWiring {
  config: Config;
  table: Table;
  log: AckLog;
  fetch?: typeof fetch;
  secrets?: SecretDeps;
  responseUrlPrefix?: string;
  now?: () => number;
  /** The deployment's stream keys (default: read from the table, never created here). */
  streamKeys?: () => Promise<StreamKeys>;
}

/** Timeout of the response_url POST: well under the function's 10 s, so a slow Slack fails the ack visibly (and counted). */
export const RESPONSE_URL_TIMEOUT_MS = 4_000;

export const allowOf = (ack: Config['ack']): AckAllow => ({
  slackTeams: ack.slack_teams ?? [],
  slackApps: ack.slack_apps ?? [],
  slackChannels: ack.slack_channels ?? [],
  slackUsers: ack.slack_users ?? [],
  pagerDutyServices: ack.pagerduty_services ?? [],
});

export function ackDeps(w: AckWiring): AckDeps {
  const acks = new AckStore(w.table);
  const store = new DynamoStateStore(w.table);
  const fetchFn = w.fetch ?? globalThis.fetch;
  const { slack_signing_secret: slack, pagerduty_webhook_secret: pd } = w.config.ack;
  const keys = w.streamKeys ?? tableStreamKeys(w.table, { create: false });
  return {
    allow: allowOf(w.config.ack),
    slackSecret: async () => (slack ? resolveSecret(slack, 'ack.slack_signing_secret', w.secrets) : null),
    pagerDutySecret: async () => (pd ? resolveSecret(pd, 'ack.pagerduty_webhook_secret', w.secrets) : null),
    // A webhook delivery is handled once: claimed and marked done at once (acting twice is worse than once missed).
    claimOnce: async (key, now) => {
      const lease = await store.claimOnce(key, now, 60_000);
      return lease !== null && (await store.finishOnce(key, now, true, lease));
    },
    streamForKey: async (external) => streamForKey(acks, await keys(), external),
    acknowledgeStream: async (stream, who, now) => {
      const outcomes: AckOutcome[] = [];
      for (const m of stream.members) outcomes.push(await acks.acknowledge(m.fingerprint, m.episode, who, now));
      const done = outcomes.find((o) => o.status === 'acked') ?? outcomes.find((o) => o.status === 'already');
      // The group itself, so its escalation stops even for alerts that join it later; and, for a routed
      // group, the escalation groups of its members (the tick looks under their keys, not the routed one).
      if (done) for (const key of [stream.key, ...(stream.escalations ?? [])]) await acks.acknowledgeGroup(key, who, now);
      return done ?? outcomes[0] ?? { status: 'unknown' };
    },
    respond: async (url, body) => {
      // The response_url is a capability URL: it is scrubbed from any error message like a webhook URL.
      const r = await postJson(fetchFn, url, body, 'Slack response_url', url, RESPONSE_URL_TIMEOUT_MS);
      if (r.status < 200 || r.status >= 300) throw httpFailure(r, 'Slack response_url', r.text.slice(0, 200), [url]);
    },
    responseUrlPrefix: w.responseUrlPrefix ?? SLACK_RESPONSE_URL_PREFIX,
    now: w.now ?? Date.now,
    log: w.log,
  };
}

/**
 * What an external key (a PagerDuty dedup_key, a button's key) stands for: the stream whose key, signed
 * with the deployment's secret, it is (StreamKeys.matches; a key is never parsed, so a computed one
 * names nothing). Every stream bedrock-watch sends has one: a routed group, an escalation group (both
 * in the cursor while they live), or one alert's episode (`fingerprint@episodeISO`, found on the alert
 * itself once its groups are gone). A routed group's stream names the escalation groups its firing
 * members are in: acknowledging it stops them too.
 */
export async function streamForKey(acks: AckStore, keys: StreamKeys, external: string): Promise<AckStream | null> {
  const streams = await acks.streams();
  const hits = streams.filter((s) => keys.matches(s.key, external));
  if (hits.length) {
    const members = new Map(hits.flatMap((h) => h.members).map((m) => [`${m.fingerprint}@${m.episode}`, m]));
    const firing = [...members.values()].filter((m) => m.firing);
    const chosen = firing.length ? firing : [...members.values()];
    const ids = new Set(chosen.map((m) => `${m.fingerprint}@${m.episode}`));
    const escalations = hits.some((h) => h.kind === 'routed')
      ? streams.filter((s) => s.kind === 'escalation' && !hits.includes(s) && s.members.some((m) => ids.has(`${m.fingerprint}@${m.episode}`))).map((s) => s.key)
      : [];
    return {
      key: hits[0].key,
      since: Math.min(...hits.map((h) => h.since)),
      members: chosen.map(({ fingerprint, episode }) => ({ fingerprint, episode })),
      ...(escalations.length ? { escalations: [...new Set(escalations)] } : {}),
    };
  }
  const alert = (await acks.alerts()).find((a) => a.startsAt !== null && keys.matches(episodeKey(a.fingerprint, a.startsAt), external));
  return alert && alert.startsAt !== null ? { key: episodeKey(alert.fingerprint, alert.startsAt), since: alert.startsAt, members: [{ fingerprint: alert.fingerprint, episode: alert.startsAt }] } : null;
}

let cached: { config: Config; table: Table } | undefined;

/** Rules and table from the Lambda environment (RULES_FILE, TABLE_NAME). */
export function ackEnvironment(): { config: Config; table: Table } {
  cached ??= { config: packagedRules(), table: tableFromEnv(new DynamoDBClient({})) };
  return cached;
}
