/**
 * The real evaluate handler wired for tests: rules from a YAML string, a ReplaySource over an
 * in-memory trace on a simulated clock, DynamoStateStore on its own dynalite table, and real
 * notifiers (Slack and PagerDuty over HTTP to the local receivers, SNS through the SDK client).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { DropNotice } from '../../shared/notify/types';
import type { RunMetrics } from '../../shared/run/metrics';
import { createEvaluateHandler } from '../../functions/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { NotifierSet } from '../../shared/notify/receivers';
import { parseRules } from '../../shared/rules/load';
import type { Config } from '../../shared/rules/schema';
import type { TickReport } from '../../shared/run/tick';
import { DynamoSilenceStore } from '../../shared/state/silences';
import { ReplaySource } from '../../shared/sources/replay';
import type { MetricTrace } from '../../shared/sources/trace';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { tableStreamKeys } from '../../shared/state/stream-secret';
import { createTable, docClient, type Table } from '../../shared/dynamo/table';
import { lambdaContext, scheduledEvent, silentLogger } from './lambda';

let tables = 0;

/** A fresh, empty table on the file's dynalite server. */
export async function freshTable(client: DynamoDBClient): Promise<Table> {
  const name = `evaluate-${process.pid}-${++tables}`;
  await createTable(client, name);
  return { doc: docClient(client), name };
}

export interface Harness {
  config: Config;
  store: DynamoStateStore;
  /** One scheduled invocation at `time` (ms); the replay clock is set to it. `context` defaults to a minute left. */
  tick(time: number, context?: Context): Promise<TickReport>;
  /** A second, independent Lambda container on the same table (own store, notifiers and clock). */
  twin(): Harness;
}

export function evaluateHarness(opts: { rulesYaml: string; trace: MetricTrace; table: Table; sns?: SNSClient; metrics?: RunMetrics; dropNotice?: DropNotice }): Harness {
  const config = parseRules(opts.rulesYaml);
  const make = (): Harness => {
    let now = 0;
    const source = new ReplaySource(opts.trace, { now: () => now, delayMs: config.settings.publication_delay });
    const store = new DynamoStateStore(opts.table);
    // As aws-deps: Slack messages carry the Acknowledge button when the rules configure the Slack app's secret.
    // As aws-deps: keys signed with the table's secret, made at the first delivery (on the simulated clock).
    const notifiers = new NotifierSet(config.receivers, {
      sns: opts.sns ?? new SNSClient({}),
      ackButtons: !!config.ack.slack_signing_secret,
      streamKeys: tableStreamKeys(opts.table, { create: true, now: () => now }),
    });
    const handler = createEvaluateHandler(
      () => ({ config, source, store, notifiers, silences: new DynamoSilenceStore(opts.table), baselines: async () => NO_BASELINES, sleep: async () => {}, metrics: opts.metrics, dropNotice: opts.dropNotice }),
      silentLogger(),
    );
    return {
      config,
      store,
      tick: (time, context = lambdaContext()) => {
        now = time;
        return handler(scheduledEvent(time), context);
      },
      twin: make,
    };
  };
  return make();
}
