/**
 * The deployable artifact, not the source: functions/evaluate bundled the way serverless.yml
 * bundles it (esbuild, minified, cjs, node22) and run in a separate Node process, with the AWS
 * SDK pointed at loopback through its endpoint variables: dynalite for DynamoDB, a local
 * CloudWatch (JSON 1.0 GetMetricData) and a local Slack receiver. Catches what unit tests cannot:
 * bundling of ESM-only middy, Powertools and the SDK, the environment contract, rules.yml loading.
 */
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MINUTE } from '../../shared/core/time';
import { createTable, docClient } from '../../shared/dynamo/table';
import { readBuckets } from '../../shared/sources/log-buckets';
import { dataMessage, encodeAwsLogs } from '../../shared/logs/awslogs';
import { emulate, pointsOf } from '../support/cloudwatch-emulator';
import { useDynamo } from '../support/dynamo';
import { runs } from '../support/frame';
import { startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';
import type { GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';

const root = resolve(__dirname, '..', '..');
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const MODEL = 'amazon.nova-lite-v1:0';
const trace = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 20]), ...runs([30, 15]), ...runs([0, 25])] } });

/** CloudWatch's JSON 1.0 protocol for GetMetricData, answered from the trace. */
function startCloudWatch(): Promise<{ url: string; calls: number; accountCalls: number; server: Server }> {
  const answer = emulate(pointsOf(trace));
  const state = { url: '', calls: 0, accountCalls: 0, server: undefined as unknown as Server };
  state.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.calls++;
      if (req.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.GetMetricData') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'UnknownOperationException' }));
        return;
      }
      const input = JSON.parse(body) as GetMetricDataCommandInput & { StartTime: number; EndTime: number };
      if (input.MetricDataQueries?.every((q) => q.MetricStat && !q.MetricStat.Metric?.Dimensions?.length)) state.accountCalls++;
      const out = answer({ ...input, StartTime: new Date(input.StartTime * 1000), EndTime: new Date(input.EndTime * 1000) });
      const results = (out.MetricDataResults ?? []).map((r) => ({ ...r, Timestamps: (r.Timestamps ?? []).map((t) => t.getTime() / 1000) }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ MetricDataResults: results, Messages: [] }));
    });
  });
  return new Promise((done) => state.server.listen(0, '127.0.0.1', () => done(Object.assign(state, { url: `http://127.0.0.1:${(state.server.address() as AddressInfo).port}` }))));
}

/** SSM's JSON 1.1 GetParameter, answering `values`; keeps the targets and names asked for. */
function startSsm(values: Record<string, string>): Promise<{ url: string; asked: string[]; server: Server }> {
  const state = { url: '', asked: [] as string[], server: undefined as unknown as Server };
  state.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { Name } = JSON.parse(body) as { Name: string };
      state.asked.push(`${req.headers['x-amz-target']} ${Name}${/^AWS4-HMAC-SHA256 Credential=test\//.test(String(req.headers.authorization)) ? ' signed' : ''}`);
      const value = values[Name];
      res.writeHead(value === undefined ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(value === undefined ? { __type: 'ParameterNotFound' } : { Parameter: { Name, Type: 'SecureString', Value: value } }));
    });
  });
  return new Promise((done) => state.server.listen(0, '127.0.0.1', () => done(Object.assign(state, { url: `http://127.0.0.1:${(state.server.address() as AddressInfo).port}` }))));
}

/** SNS's query protocol for Publish: keeps the action, topic and whether the request was signed with the environment's key. */
function startSns(): Promise<{ url: string; published: string[]; server: Server }> {
  const state = { url: '', published: [] as string[], server: undefined as unknown as Server };
  state.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const signed = /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/sns\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/.test(String(req.headers.authorization));
      state.published.push(`${form.get('Action')} ${form.get('TopicArn')} ${form.get('MessageAttributes.entry.1.Name')}=${form.get('MessageAttributes.entry.1.Value.StringValue')}${signed ? ' signed' : ''}`);
      res.writeHead(200, { 'content-type': 'text/xml' }).end(`<PublishResponse><PublishResult><MessageId>m-${state.published.length}</MessageId></PublishResult></PublishResponse>`);
    });
  });
  return new Promise((done) => state.server.listen(0, '127.0.0.1', () => done(Object.assign(state, { url: `http://127.0.0.1:${(state.server.address() as AddressInfo).port}` }))));
}

/** Packages of the SDK whose code the bundle must not hold (the drop-ins in shared/aws and notify/ssm-get.ts stand in). */
const REPLACED = /node_modules\/@aws-sdk\/(client-sns|client-sts|client-ssm|xml-builder)\/|node_modules\/@aws-sdk\/core\/dist-es\/submodules\/protocols\/(query|xml)\//;

describe('the bundled evaluate function, run as Lambda would run it', () => {
  const db = useDynamo();
  let slack: LocalReceiver;
  let cloudwatch: Awaited<ReturnType<typeof startCloudWatch>>;
  let ssm: Awaited<ReturnType<typeof startSsm>>;
  let sns: Awaited<ReturnType<typeof startSns>>;
  const dir = mkdtempSync(join(tmpdir(), 'bw-bundle-'));

  beforeAll(async () => {
    [slack, cloudwatch, sns] = await Promise.all([startSlackReceiver(), startCloudWatch(), startSns()]);
    ssm = await startSsm({ '/bedrock-watch/slack-webhook': slack.url });
  });
  afterAll(async () => {
    await slack.close();
    await new Promise((r) => cloudwatch.server.close(r));
    await new Promise((r) => ssm.server.close(r));
    await new Promise((r) => sns.server.close(r));
  });

  it('bundles with the packaging plugins (rules compiled in, credentials from the environment, the webhook from SSM and the SNS publish without the SDK clients), reads CloudWatch, records state in DynamoDB, pages Slack once and publishes to SNS', async () => {
    writeFileSync(
      join(dir, 'rules.yml'),
      `receivers: [{ name: slack, type: slack, webhook_url: { ssm: /bedrock-watch/slack-webhook } }, { name: topic, type: sns }]
routes: { critical: [slack, topic] }
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: Check the AWS Health Dashboard.
    tiers: { critical: { above: 5%, for: 5m } }
`,
    );
    process.env.BEDROCK_WATCH_RULES = join(dir, 'rules.yml');
    const built = await build({
      metafile: true,
      entryPoints: [join(root, 'functions', 'evaluate.ts')],
      outfile: join(dir, 'evaluate.js'),
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      plugins: require(join(root, 'scripts', 'esbuild-plugins.js')),
    });
    delete process.env.BEDROCK_WATCH_RULES;
    await createTable(db().client, 'bundle-table');
    const ticks = Array.from({ length: 60 }, (_, i) => new Date(T0 + (i + 3) * MINUTE).toISOString());
    const script = `
      const { handler } = require(${JSON.stringify(join(dir, 'evaluate.js'))});
      const ctx = { functionName: 'evaluate', awsRequestId: 'r', getRemainingTimeInMillis: () => 60000 };
      (async () => {
        const out = [];
        for (const time of ${JSON.stringify(ticks)}) {
          const r = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', time }, ctx);
          out.push(r.transitions.map((t) => t.kind + ':' + t.state.tier + ':' + t.state.maxTier));
        }
        process.stdout.write('RESULT ' + JSON.stringify(out.flat()) + '\\n');
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const stdout = await new Promise<string>((done, fail) =>
      execFile(
        process.execPath,
        ['-e', script],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            TABLE_NAME: 'bundle-table',
            BW_SLACK_URL: slack.url,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_ENDPOINT_URL_DYNAMODB: db().endpoint,
            AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.url,
            AWS_ENDPOINT_URL_SSM: ssm.url,
            AWS_ENDPOINT_URL_SNS: sns.url,
            ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts',
            AWS_EC2_METADATA_DISABLED: 'true',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
            POWERTOOLS_SERVICE_NAME: 'bedrock-watch',
            STAGE: 'bundle',
          },
          timeout: 120_000,
        },
        (err, out, errOut) => (err ? fail(new Error(`${err.message}\n${errOut}`)) : done(out)),
      ),
    );
    // stdout also carries the function's EMF metrics, one document per invocation.
    const lines = stdout.split('\n');
    expect(JSON.parse(lines.find((l) => l.startsWith('RESULT '))!.slice('RESULT '.length))).toEqual(['firing:critical:critical', 'resolved:null:critical']);
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(60);
    for (const d of emf) {
      expect(d).toMatchObject({ Heartbeat: 1, service: 'bedrock-watch', Stage: 'bundle' });
      expect(d._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'BedrockWatch', Dimensions: [['service', 'Stage']] });
    }
    // One per-model read a tick, plus an account-wide read of the error counts on the ticks that judge the ratio rule.
    // One model: no account-wide read (it would save nothing, engine/cadence.ts); every tick reads its
    // minutes per model, the error count on the same or one more call.
    expect(cloudwatch.accountCalls).toBe(0);
    expect(cloudwatch.calls).toBeGreaterThanOrEqual(60);
    expect(cloudwatch.calls).toBeLessThanOrEqual(120);
    const texts = (slack.received as { text: string }[]).map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/CRITICAL .* amazon\.nova-lite-v1:0/);
    expect(texts[1]).toMatch(/RESOLVED/);
    // The webhook was read with one signed GetParameter (cached after), by the bundle's own reader: no SSM client in it.
    expect(ssm.asked[0]).toBe('AmazonSSM.GetParameter /bedrock-watch/slack-webhook signed');
    expect(readFileSync(join(dir, 'evaluate.js'), 'utf8')).not.toContain('"GetParametersByPath"');
    // The alert and its resolve were published by the bundle's own SNS client (shared/aws/sns.ts), signed.
    expect(sns.published).toEqual([
      'Publish arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts severity=critical signed',
      'Publish arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts severity=critical signed',
    ]);
    // Neither the SNS, STS and SSM clients nor the SDK's query and XML protocol code are in the bundle.
    // (The output's inputs with bytes in it: esbuild lists every module it parsed, tree-shaken ones too.)
    const output = Object.values(built.metafile!.outputs).find((o) => o.entryPoint)!;
    const inputs = Object.entries(output.inputs).flatMap(([file, { bytesInOutput }]) => (bytesInOutput > 0 ? [file] : []));
    expect(inputs.filter((f) => REPLACED.test(f))).toEqual([]);
    expect(inputs.filter((f) => /shared\/aws\/(query|sns|sts)\.ts$/.test(f)).sort()).toEqual(['shared/aws/query.ts', 'shared/aws/sns.ts', 'shared/aws/sts.ts']);
  }, 180_000);
});

describe('the bundled ingest function', () => {
  const db = useDynamo();

  it('decodes a CloudWatch Logs batch and writes one bucket per model-minute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-bundle-ingest-'));
    await build({ entryPoints: [join(root, 'functions', 'ingest.ts')], outfile: join(dir, 'ingest.js'), bundle: true, minify: true, platform: 'node', target: 'node22', format: 'cjs', mainFields: ['module', 'main'], logLevel: 'silent' });
    await createTable(db().client, 'ingest-table');
    const record = (i: number, reason: string) =>
      JSON.stringify({
        schemaType: 'ModelInvocationLog',
        schemaVersion: '1.0',
        timestamp: new Date(T0 + (i % 2) * MINUTE).toISOString(),
        accountId: '123456789012',
        identity: { arn: 'arn:aws:sts::123456789012:assumed-role/chat-api/session-1' },
        region: 'us-east-1',
        requestId: `r-${i}`,
        operation: 'Converse',
        modelId: MODEL,
        input: { inputContentType: 'application/json', inputTokenCount: 100 },
        output: { outputContentType: 'application/json', outputTokenCount: 50, outputBodyJson: { stopReason: reason } },
      });
    const event = encodeAwsLogs(dataMessage(Array.from({ length: 40 }, (_, i) => ({ timestamp: T0 + i * 1000, message: record(i, i % 10 === 0 ? 'max_tokens' : 'end_turn') }))));
    const script = `require(${JSON.stringify(join(dir, 'ingest.js'))}).handler(${JSON.stringify(event)}, { awsRequestId: 'r', functionName: 'ingest' }).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
    const stdout = await new Promise<string>((done, fail) =>
      execFile(
        process.execPath,
        ['-e', script],
        { env: { PATH: process.env.PATH, TABLE_NAME: 'ingest-table', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_DYNAMODB: db().endpoint, POWERTOOLS_LOG_LEVEL: 'ERROR' }, timeout: 60_000 },
        (err, out, errOut) => (err ? fail(new Error(`${err.message}\n${errOut}`)) : done(out)),
      ),
    );
    expect(JSON.parse(stdout)).toMatchObject({ records: 40, malformed: 0, buckets: 2, writes: 2 });
    const buckets = await readBuckets({ doc: docClient(db().client), name: 'ingest-table' }, [MODEL], T0, T0 + 2 * MINUTE);
    expect(buckets.map((b) => [b.finished, b.truncated])).toEqual([[16, 4], [20, 0]]); // every tenth record (all in the even minute) was cut at max_tokens
  }, 120_000);
});
