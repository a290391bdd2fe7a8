/**
 * Faults on the way: a throttled CloudWatch, a DynamoDB write that fails mid-tick, a bad rules
 * file or a missing setting at cold start. The user gets an error that names the failing call or
 * the file and line, and no alert is lost or sent twice.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvaluateHandler } from '../../functions/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { CaptureNotifiers } from '../../shared/local/capture';
import { parseRules } from '../../shared/rules/load';
import { CloudWatchSource } from '../../shared/sources/cloudwatch';
import { MINUTE } from '../../shared/core/time';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { emulate, pointsOf } from '../support/cloudwatch-emulator';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { lambdaContext, scheduledEvent, silentLogger } from '../support/lambda';
import { traceOf } from '../support/trace';

const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const MODEL = 'amazon.nova-lite-v1:0';
// 100 requests a minute; 30% server errors in minutes 20-39.
const trace = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 20]), ...runs([30, 20]), ...runs([0, 20])] } });
const config = parseRules(`
receivers: [{ name: sns-alerts, type: sns }]
routes: { critical: [sns-alerts] }
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: look
    tiers: { critical: { above: 5%, for: 5m } }
`);

const cw = mockClient(CloudWatchClient);

describe('when CloudWatch or DynamoDB fail during a tick', () => {
  const db = useDynamo();
  beforeEach(() => cw.reset());

  async function wiring(storeOverride?: (s: DynamoStateStore) => DynamoStateStore) {
    const store = new DynamoStateStore(await freshTable(db().client));
    const notifiers = new CaptureNotifiers(config.receivers);
    const source = new CloudWatchSource({ client: new CloudWatchClient({ region: 'us-east-1', maxAttempts: 1 }) });
    const handler = createEvaluateHandler(() => ({ config, source, store: storeOverride ? storeOverride(store) : store, notifiers, baselines: async () => NO_BASELINES }), silentLogger());
    const tick = (m: number) => handler(scheduledEvent(T0 + m * MINUTE), lambdaContext());
    return { store, notifiers, tick };
  }

  it('a throttled GetMetricData fails the tick naming the call; the next tick catches up and the alert still fires once', async () => {
    const { notifiers, tick } = await wiring();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    cw.on(GetMetricDataCommand).callsFake(emulate(pointsOf(trace)));
    for (let m = 3; m <= 22; m++) await tick(m);
    // CloudWatch throttles for the ten minutes the incident builds up in.
    cw.on(GetMetricDataCommand).rejects(throttled);
    for (let m = 23; m <= 32; m++) await expect(tick(m)).rejects.toThrow(/CloudWatch GetMetricData \(AWS\/Bedrock.*ThrottlingException: Rate exceeded/);
    expect(notifiers.sent).toEqual([]);
    cw.on(GetMetricDataCommand).callsFake(emulate(pointsOf(trace)));
    const report = await tick(33);
    expect(report.evaluated?.minutes).toBe(11); // the missed minutes, judged now
    for (let m = 34; m <= 70; m++) await tick(m);
    expect(notifiers.sent.map((c) => c.notification.action)).toEqual(['trigger', 'resolve']);
  });

  it('a DynamoDB failure after the commit point fails the tick; the next tick finishes the write and the alert is sent exactly once', async () => {
    let failNext = false;
    const { notifiers, tick } = await wiring((store) => {
      const save = store.saveAlerts.bind(store);
      store.saveAlerts = async (states) => {
        if (failNext && states.some((s) => s.status === 'firing')) {
          failNext = false;
          throw Object.assign(new Error('Throughput exceeds the current capacity of your table or index.'), { name: 'ProvisionedThroughputExceededException' });
        }
        return save(states);
      };
      return store;
    });
    cw.on(GetMetricDataCommand).callsFake(emulate(pointsOf(trace)));
    failNext = true;
    const errors: string[] = [];
    for (let m = 3; m <= 70; m++) await tick(m).catch((e: Error) => errors.push(e.name));
    expect(errors).toEqual(['ProvisionedThroughputExceededException']);
    expect(notifiers.sent.map((c) => c.notification.action)).toEqual(['trigger', 'resolve']);
  });
});

describe('at cold start', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  it('a bad rules file fails every invocation with file:line:column and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
    const file = join(dir, 'rules.yml');
    writeFileSync(file, 'rules:\n  - name: x\n    kind: ratio\n    numerator: InvocationServerErrors\n    denominator: Invocations\n    next_check: y\n    tiers: { critical: { above: lots } }\n');
    Object.assign(process.env, { RULES_FILE: file, TABLE_NAME: 'bedrock-watch-test' });
    const { handler } = await import('../../functions/evaluate');
    await expect(handler(scheduledEvent(T0), lambdaContext())).rejects.toThrow(`${file}:7:33: rules[0].tiers.critical.above must be a percentage like 5% or a fraction like 0.05`);
  });

  it('a missing table setting says which variable to set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
    const file = join(dir, 'rules.yml');
    writeFileSync(file, 'rules:\n  - { name: x, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: y, tiers: { critical: { above: 5% } } }\n');
    process.env.RULES_FILE = file;
    delete process.env.TABLE_NAME;
    const { handler } = await import('../../functions/evaluate');
    await expect(handler(scheduledEvent(T0), lambdaContext())).rejects.toThrow(/TABLE_NAME is not set/);
  });
});
