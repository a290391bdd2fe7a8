/**
 * Secrets and prompt text never leave their place: a full replay (the sample metric trace and
 * invocation logs, the real evaluate and ingest handlers, dynalite, the real Slack, PagerDuty
 * and SNS notifiers with their secrets read from SSM) with receivers failing on the way, then
 * every log line, every DynamoDB item and every notification body is searched for the Slack
 * webhook, the PagerDuty routing key and the prompt and completion text put into the logs.
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadLogTrace, type LogTrace } from '../../shared/local/log-trace';
import { replay } from '../../shared/local/replay-run';
import { aggregateMessages } from '../../shared/logs/aggregate';
import { NotifierSet } from '../../shared/notify/receivers';
import { loadRulesFile } from '../../shared/rules/load';
import { loadMetricTrace } from '../../shared/sources/trace';
import { MINUTE } from '../../shared/core/time';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { sampleFile } from '../support/trace';

const FROM = Date.parse('2026-10-05T09:00:00Z'); // the truncation regression (logs) and, at 10:15, the throttle storm (metrics)
const TO = Date.parse('2026-10-05T10:45:00Z');
const PROMPT = `PROMPT-MARKER-${randomBytes(6).toString('hex')} my card number is 4111 1111 1111 1111`;
const COMPLETION = `COMPLETION-MARKER-${randomBytes(6).toString('hex')} here is the summary you asked for`;
const ROUTING_KEY = `PDKEY${randomBytes(16).toString('hex').slice(0, 27)}`; // 32 characters, as PagerDuty's are

/** The sample invocation logs of the window, each record carrying a prompt and a completion, as Bedrock logs them when text logging is on. */
function logsWithText(file: string): LogTrace {
  const all = loadLogTrace(file);
  const byMinute = new Map<number, { timestamp: number; message: string }[]>();
  for (const [minute, lines] of all.byMinute) {
    if (minute < FROM - 10 * MINUTE || minute > TO) continue;
    byMinute.set(
      minute,
      lines.map((l) => {
        const r = JSON.parse(l.message);
        r.input = { ...r.input, inputBodyJson: { messages: [{ role: 'user', content: [{ text: PROMPT }] }] } };
        r.output = { ...r.output, outputBodyJson: { ...r.output?.outputBodyJson, content: [{ type: 'text', text: COMPLETION }] } };
        return { timestamp: l.timestamp, message: JSON.stringify(r) };
      }),
    );
  }
  const minutes = [...byMinute.keys()];
  return { byMinute, aggregate: aggregateMessages([...byMinute.values()].flat().map((l) => l.message)), from: Math.min(...minutes), to: Math.max(...minutes) + MINUTE };
}

describe('fault: receivers and SSM failing during a full replay with secrets and prompt text in flight', () => {
  const ssm = mockClient(SSMClient);
  const sns = mockClient(SNSClient);
  let slack: LocalReceiver;
  let pd: LocalReceiver;
  const output: string[] = [];
  const items: Record<string, unknown>[] = [];
  let needles: [string, string][];

  beforeAll(async () => {
    [slack, pd] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver()]);
    const webhookToken = slack.url.slice(slack.url.lastIndexOf('/') + 1);
    needles = [
      ['the Slack webhook URL', slack.url],
      ["the Slack webhook's token", webhookToken],
      ['the PagerDuty routing key', ROUTING_KEY],
      ['the prompt text', PROMPT.slice(0, 26)],
      ['the card number in the prompt', '4111 1111'],
      ['the completion text', COMPLETION.slice(0, 30)],
    ];
    clearCaches();
    ssm.reset();
    // The first read is denied (the error names the parameter, never a value); then the secrets arrive.
    ssm.on(GetParameterCommand).rejectsOnce(Object.assign(new Error('User is not authorized to perform ssm:GetParameter'), { name: 'AccessDeniedException' }));
    ssm.on(GetParameterCommand, { Name: '/bedrock-watch/slack-webhook-url' }).resolves({ Parameter: { Value: slack.url } });
    ssm.on(GetParameterCommand, { Name: '/bedrock-watch/pagerduty-routing-key' }).resolves({ Parameter: { Value: ROUTING_KEY } });
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    // More failures than one tick's attempts: the errors are logged and kept in the outbox, where a leak would show.
    slack.failNext(503, 4);
    pd.failNext(500, 3);
    pd.failNext(429, 1);

    const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    config.receivers = config.receivers.map((r) => (r.type === 'pagerduty' ? { ...r, events_url: pd.url } : r));
    const notifiers = new NotifierSet(config.receivers, { sns: new SNSClient({ region: 'us-east-1' }), env: { ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts-test' } });

    // Every byte the run writes: Powertools logs (all levels) and anything else on stdout or stderr.
    const capture = (chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    };
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await replay({
        config,
        metrics: loadMetricTrace(sampleFile('sample-metrics.jsonl.gz')),
        logs: logsWithText(sampleFile('sample-invocations.jsonl.gz')),
        from: FROM,
        to: TO,
        store: 'dynalite',
        logLevel: 'DEBUG',
        notifiers,
        inspect: async (table) => {
          let ExclusiveStartKey: Record<string, unknown> | undefined;
          do {
            const page = await table.doc.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey }));
            items.push(...(page.Items ?? []));
            ExclusiveStartKey = page.LastEvaluatedKey;
          } while (ExclusiveStartKey);
        },
      });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all([slack?.close(), pd?.close()]);
  });

  const found = (texts: string[]) => needles.filter(([, needle]) => texts.some((t) => t.includes(needle))).map(([what]) => what);

  it('exercised the paths that could leak: prompts ingested, alerts paged on every receiver, failures retried and logged', () => {
    expect(items.some((i) => String(i.pk).startsWith('AGG#'))).toBe(true);
    expect(pd.received.length).toBeGreaterThanOrEqual(5); // four failures, then the page
    expect(slack.received.length).toBeGreaterThanOrEqual(5);
    expect(sns.commandCalls(PublishCommand).length).toBeGreaterThan(0);
    const lines = output.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.includes('slack receiver') && l.includes('HTTP 503'))).toBe(true);
    expect(lines.some((l) => l.includes('pagerduty receiver') && l.includes('HTTP 500'))).toBe(true);
  });

  it('no log line holds a secret or prompt text', () => {
    expect(found(output.join('').split('\n'))).toEqual([]);
  });

  it('no DynamoDB item holds a secret or prompt text', () => {
    expect(items.length).toBeGreaterThan(10);
    expect(found(items.map((i) => JSON.stringify(i)))).toEqual([]);
  });

  it('no notification holds a secret or prompt text (PagerDuty gets its own routing key where its API wants it, and nowhere else)', () => {
    const pdBodies = pd.received.map((b) => {
      const { routing_key: key, ...rest } = b as { routing_key?: string };
      expect(key).toBe(ROUTING_KEY);
      return JSON.stringify(rest);
    });
    const snsBodies = sns.commandCalls(PublishCommand).map((c) => JSON.stringify(c.args[0].input));
    expect(found([...slack.received.map((b) => JSON.stringify(b)), ...pdBodies, ...snsBodies])).toEqual([]);
  });

  it('the search finds each needle where it is', () => {
    // The scan can fail: each needle is found in a text that holds it.
    for (const [what, needle] of needles) expect(found([`x ${needle} y`])).toContain(what);
    expect(found([JSON.stringify({ Value: slack.url })])).toContain('the Slack webhook URL');
  });
});
