/**
 * The ack function's real adapters, built once per container: the rules file's `ack` secrets
 * (SSM or environment, as the notifiers' secrets), the table, and an HTTP POST to Slack's response_url.
 */
import { episodeKey } from '../route/route';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AckDeps, AckLog } from '../ack/handle';
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
    // PagerDuty's dedup_key is the episode's stream key (see Notification.key).
    alertForKey: async (key) => (await acks.alerts()).find((a) => dedupKey(episodeKey(a.fingerprint, a.startsAt)) === key) ?? null,
    acknowledge: (fp, episode, who, now) => acks.acknowledge(fp, episode, who, now),
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

let cached: { config: Config; table: Table } | undefined;

/** Rules and table from the Lambda environment (RULES_FILE, TABLE_NAME). */
export function ackEnvironment(): { config: Config; table: Table } {
  cached ??= { config: packagedRules(), table: tableFromEnv(new DynamoDBClient({})) };
  return cached;
}
