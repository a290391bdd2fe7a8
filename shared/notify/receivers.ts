import type { SNSClient } from '@aws-sdk/client-sns';
import { PagerDutyNotifier } from './pagerduty';
import { resolveSecret, SECRET_MAX_AGE_S, type SecretDeps } from './secrets';
import { SlackNotifier } from './slack';
import { createSnsClient, SnsNotifier } from './sns';
import type { Notifier } from './types';
import type { ReceiverConfig } from '../rules/schema';
import type { StreamKeys } from '../core/stream-keys';
import { pagerDutyKeyProblem } from '../rules/routing-key';

export type { SecretRef } from './secrets';

/** One receiver as the rules file declares it (validated there). */
export type { ReceiverConfig };

export interface NotifierDeps {
  sns?: SNSClient;
  fetch?: typeof fetch;
  resolve?: typeof resolveSecret;
  env?: Record<string, string | undefined>;
  /** Slack messages carry the Acknowledge button (the rules file sets ack.slack_signing_secret). */
  ackButtons?: boolean;
  /**
   * The deployment's stream keys (PagerDuty dedup_key, the button's value): signed with the secret in
   * the table (state/stream-secret.ts). Without it keys are unsigned, which only local runs may do.
   */
  streamKeys?: () => Promise<StreamKeys>;
  /** Real clock, for how long a built notifier (and the secret in it) is kept. */
  clock?: () => number;
}

export async function createNotifier(cfg: ReceiverConfig, deps: NotifierDeps = {}, secretDeps: SecretDeps = {}): Promise<Notifier> {
  const resolve = (ref: Parameters<typeof resolveSecret>[0], where: string) => (deps.resolve ?? resolveSecret)(ref, where, { env: deps.env, ...secretDeps });
  const where = (field: string) => `receiver "${cfg.name}" ${field}`;
  switch (cfg.type) {
    case 'slack': {
      const webhookUrl = await resolve(cfg.webhook_url, where('webhook_url'));
      // Fail here, at configuration, rather than on the first page; and without echoing the value.
      if (!URL.canParse(webhookUrl)) throw new Error(`${where('webhook_url')}: the secret is not a valid URL`);
      return new SlackNotifier({ webhookUrl, fetch: deps.fetch, ackButton: deps.ackButtons, keys: await deps.streamKeys?.() });
    }
    case 'pagerduty': {
      const routingKey = await resolve(cfg.routing_key, where('routing_key'));
      // Only now is a key from SSM or the environment seen: name a wrong one instead of PagerDuty's 400 on the first page.
      const problem = pagerDutyKeyProblem(routingKey);
      if (problem) throw new Error(`${where('routing_key')}: the secret ${problem}`);
      return new PagerDutyNotifier({ routingKey, eventsUrl: cfg.events_url, fetch: deps.fetch, keys: await deps.streamKeys?.() });
    }
    case 'sns': {
      const env = deps.env ?? process.env;
      const ref = cfg.topic_arn;
      const topicArn = typeof ref === 'string' ? ref : ref ? env[ref.env] : env.ALERT_TOPIC_ARN;
      if (!topicArn)
        throw new Error(`${where('topic_arn')}: ${ref ? `environment variable ${(ref as { env: string }).env} is not set` : 'not set, and the default ALERT_TOPIC_ARN environment variable is not set either'}`);
      return new SnsNotifier({ topicArn, client: deps.sns ?? createSnsClient() });
    }
    default: {
      const unknown: never = cfg;
      throw new Error(`receiver "${(unknown as { name?: string }).name}": unknown type ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

/**
 * Notifiers by receiver name, created on first use and kept for SECRET_MAX_AGE_S (not for the life of
 * the warm Lambda), so a rotated secret is picked up; `refresh` rebuilds one at once, re-reading its
 * secret past every cache, when the receiver rejected the one we had.
 */
export class NotifierSet {
  private readonly configs = new Map<string, ReceiverConfig>();
  private readonly created = new Map<string, { notifier: Promise<Notifier>; at: number }>();
  private readonly deps: NotifierDeps;
  private readonly clock: () => number;

  constructor(receivers: readonly ReceiverConfig[], deps: NotifierDeps = {}) {
    for (const r of receivers) {
      if (this.configs.has(r.name)) throw new Error(`receiver "${r.name}" is defined twice`);
      this.configs.set(r.name, r);
    }
    this.deps = { ...deps };
    this.clock = deps.clock ?? Date.now;
  }

  get(name: string): Promise<Notifier> {
    const cached = this.created.get(name);
    if (cached && this.clock() - cached.at < SECRET_MAX_AGE_S * 1000) return cached.notifier;
    // Past its age the secret is read again (the parameter store's cache has expired with it).
    return this.build(name, cached !== undefined);
  }

  refresh(name: string): Promise<Notifier> {
    return this.build(name, true);
  }

  private build(name: string, forceFetch: boolean): Promise<Notifier> {
    const cfg = this.configs.get(name);
    if (!cfg) return Promise.reject(new Error(`no receiver named "${name}" (known: ${[...this.configs.keys()].join(', ') || 'none'})`));
    // One SNS client for all SNS receivers.
    if (cfg.type === 'sns' && !this.deps.sns) this.deps.sns = createSnsClient();
    const entry = { notifier: createNotifier(cfg, this.deps, { forceFetch }), at: this.clock() };
    this.created.set(name, entry);
    // A failed creation (say SSM throttled) must not stick: the next invocation tries again.
    entry.notifier.catch(() => {
      if (this.created.get(name) === entry) this.created.delete(name);
    });
    return entry.notifier;
  }
}
