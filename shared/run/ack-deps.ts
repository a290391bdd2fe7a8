/**
 * The ack function's real adapters, built once per container: the rules file's `ack` secrets
 * (SSM or environment, as the notifiers' secrets), the table, and an HTTP POST to Slack's response_url.
 */
import { episodeKey } from '../route/route';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AckDeps, AckLog, AckStream } from '../ack/handle';
import type { AckOutcome } from '../core/ack';
import { httpFailure, postJson } from '../notify/deliver';
import { dedupKey } from '../notify/pagerduty';
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
}

export function ackDeps(w: AckWiring): AckDeps {
  const acks = new AckStore(w.table);
  const store = new DynamoStateStore(w.table);
  const fetchFn = w.fetch ?? globalThis.fetch;
  const { slack_signing_secret: slack, pagerduty_webhook_secret: pd } = w.config.ack;
  return {
    slackSecret: async () => (slack ? resolveSecret(slack, 'ack.slack_signing_secret', w.secrets) : null),
    pagerDutySecret: async () => (pd ? resolveSecret(pd, 'ack.pagerduty_webhook_secret', w.secrets) : null),
    // A webhook delivery is handled once: claimed and marked done at once (acting twice is worse than once missed).
    claimOnce: async (key, now) => (await store.claimOnce(key, now, 60_000)) && (await store.finishOnce(key, now, true), true),
    streamForKey: (key) => streamForKey(acks, key),
    acknowledge: (fp, episode, who, now) => acks.acknowledge(fp, episode, who, now),
    acknowledgeStream: async (stream, who, now) => {
      const outcomes: AckOutcome[] = [];
      for (const m of stream.members) outcomes.push(await acks.acknowledge(m.fingerprint, m.episode, who, now));
      const done = outcomes.find((o) => o.status === 'acked') ?? outcomes.find((o) => o.status === 'already');
      // The group itself, so its escalation stops even for alerts that join it later.
      if (done) await acks.acknowledgeGroup(stream.key, who, now);
      return done ?? outcomes[0] ?? { status: 'unknown' };
    },
    respond: async (url, body) => {
      // The response_url is a capability URL: it is scrubbed from any error message like a webhook URL.
      const r = await postJson(fetchFn, url, body, 'Slack response_url', url);
      if (r.status < 200 || r.status >= 300) throw httpFailure(r, 'Slack response_url', r.text.slice(0, 200), [url]);
    },
    responseUrlPrefix: w.responseUrlPrefix ?? SLACK_RESPONSE_URL_PREFIX,
    now: w.now ?? Date.now,
    log: w.log,
  };
}

/**
 * What a key stands for. Every stream bedrock-watch sends has its key (PagerDuty's dedup_key is
 * dedupKey(key)): a routed group, an escalation group (both in the cursor while they live), or one
 * alert's episode (`fingerprint@episodeISO`, found on the alert itself once its groups are gone).
 */
export async function streamForKey(acks: AckStore, key: string): Promise<AckStream | null> {
  const hits = (await acks.streams()).filter((s) => s.key === key || dedupKey(s.key) === key);
  if (hits.length) {
    const members = new Map(hits.flatMap((h) => h.members).map((m) => [`${m.fingerprint}@${m.episode}`, m]));
    const firing = [...members.values()].filter((m) => m.firing);
    return { key: hits[0].key, since: Math.min(...hits.map((h) => h.since)), members: (firing.length ? firing : [...members.values()]).map(({ fingerprint, episode }) => ({ fingerprint, episode })) };
  }
  const alert = (await acks.alerts()).find((a) => a.startsAt !== null && dedupKey(episodeKey(a.fingerprint, a.startsAt)) === key);
  return alert && alert.startsAt !== null ? { key: episodeKey(alert.fingerprint, alert.startsAt), since: alert.startsAt, members: [{ fingerprint: alert.fingerprint, episode: alert.startsAt }] } : null;
}

let cached: { config: Config; table: Table } | undefined;

/** Rules and table from the Lambda environment (RULES_FILE, TABLE_NAME). */
export function ackEnvironment(): { config: Config; table: Table } {
  cached ??= { config: packagedRules(), table: tableFromEnv(new DynamoDBClient({})) };
  return cached;
}
