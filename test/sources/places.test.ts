import { CloudWatchClient, GetMetricDataCommand, type CloudWatchClientConfig, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { evaluate } from '../../shared/engine/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { parseRules } from '../../shared/rules/load';
import { assumedRole, metricSourceFor } from '../../shared/sources/cloudwatch-places';
import type { Frame } from '../../shared/core/series';

const MODEL = 'amazon.nova-lite-v1:0';
const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const req = { keys: ['Invocations:Sum'], from: T0, to: T0 + 5 * MIN, period: MIN };

const rules = (settings: string) =>
  parseRules(`settings:\n${settings}\nrules:\n  - name: busy\n    kind: threshold\n    metric: Invocations\n    stat: Sum\n    next_check: look\n    tiers: { warning: { above: 1000000 } }\n`);

/** Real SDK clients, one per region, each answered by its own mock (which, like the SDK's signer, resolves the client's credentials first). */
function clients(answer: (region: string, input: GetMetricDataCommandInput) => object | Error) {
  const made: { region: string; client: CloudWatchClient; mock: ReturnType<typeof mockClient> }[] = [];
  const factory = (config: CloudWatchClientConfig) => {
    const region = config.region as string;
    const client = new CloudWatchClient({ region, credentials: config.credentials ?? { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    const mock = mockClient(client);
    mock.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => {
      if (typeof config.credentials === 'function') await config.credentials();
      const r = answer(region, input);
      if (r instanceof Error) throw r;
      return r;
    });
    made.push({ region, client, mock });
    return client;
  };
  return { factory, made };
}

const series = (label: string, values: number[]) => ({ Id: 's0', Label: label, StatusCode: 'Complete', Timestamps: values.map((_, i) => new Date(T0 + i * MIN)), Values: values });

describe('reading several regions and accounts', () => {
  it('one region of one account stays exactly as before: bare ModelId keys, no places', async () => {
    const cw = clients(() => ({ MetricDataResults: [series(MODEL, [5])] }));
    const frame = await metricSourceFor(rules('  timezone: UTC').settings, { region: 'us-east-1', account: '111111111111', cloudwatch: cw.factory }).fetch(req);
    expect(Object.keys(frame.models)).toEqual([MODEL]);
    expect(frame.places).toBeUndefined();
  });

  it('fetches every region concurrently and keys each series by its place', async () => {
    const cw = clients((region) => ({ MetricDataResults: [series(MODEL, [region === 'us-east-1' ? 5 : 7])] }));
    const frame = await metricSourceFor(rules('  regions: [us-east-1, us-west-2]').settings, { region: 'us-east-1', account: '111111111111', cloudwatch: cw.factory }).fetch(req);
    expect(Object.keys(frame.models).sort()).toEqual([`us-east-1||${MODEL}`, `us-west-2||${MODEL}`]);
    expect(frame.models[`us-west-2||${MODEL}`]['Invocations:Sum'][0]).toBe(7);
    expect(cw.made.map((m) => m.region).sort()).toEqual(['us-east-1', 'us-west-2']);
  });

  it('reads each place account-wide under its own *, and narrows a read to the places asked', async () => {
    const asked: string[] = [];
    const cw = clients((region, input) => {
      asked.push(region);
      const q = input.MetricDataQueries?.[0];
      return { MetricDataResults: [q?.MetricStat ? { Id: q.Id, StatusCode: 'Complete', Timestamps: [new Date(T0)], Values: [region === 'us-east-1' ? 0 : 2] } : series(MODEL, [5])] };
    });
    const source = metricSourceFor(rules('  regions: [us-east-1, us-west-2]').settings, { region: 'us-east-1', account: undefined, cloudwatch: cw.factory });
    const account = await source.fetchAccount!({ ...req, keys: ['InvocationThrottles:Sum'] });
    expect(Object.keys(account.models).sort()).toEqual(['us-east-1||*', 'us-west-2||*']);
    expect(account.models['us-west-2||*']['InvocationThrottles:Sum'][0]).toBe(2);
    asked.length = 0;
    const frame = await source.fetch({ ...req, keys: ['InvocationThrottles:Sum'], places: ['us-west-2|'] });
    expect(asked).toEqual(['us-west-2']);
    expect(Object.keys(frame.models)).toEqual([`us-west-2||${MODEL}`]);
    expect(frame.places?.all).toEqual(['us-east-1|', 'us-west-2|']);
  });

  it('a region that fails is reported and does not stop the others', async () => {
    const cw = clients((region) => (region === 'eu-central-1' ? Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) : { MetricDataResults: [series(MODEL, [5])] }));
    const frame = await metricSourceFor(rules('  regions: [us-east-1, eu-central-1]').settings, { region: 'us-east-1', account: undefined, cloudwatch: cw.factory }).fetch(req);
    expect(Object.keys(frame.models)).toEqual([`us-east-1||${MODEL}`]);
    expect(frame.places?.failed).toEqual({ 'eu-central-1|': expect.stringContaining('ThrottlingException: Rate exceeded') });
    expect(frame.places?.failed['eu-central-1|']).toContain('eu-central-1');
  });

  it('reads a linked account through cross-account observability: :aws.AccountId in SEARCH, no role', async () => {
    const inputs: { region: string; input: GetMetricDataCommandInput }[] = [];
    const cw = clients((region, input) => {
      inputs.push({ region, input });
      return { MetricDataResults: [series(MODEL, [5])] };
    });
    const settings = rules('  regions: [us-east-1]\n  accounts:\n    - id: "222222222222"').settings;
    const frame = await metricSourceFor(settings, { region: 'us-east-1', account: '111111111111', cloudwatch: cw.factory }).fetch(req);
    expect(Object.keys(frame.models).sort()).toEqual([`us-east-1|111111111111|${MODEL}`, `us-east-1|222222222222|${MODEL}`]);
    const expressions = inputs.map((i) => i.input.MetricDataQueries![0].Expression);
    expect(expressions).toContain(`SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations" :aws.AccountId="222222222222"', 'Sum', 60)`);
    expect(expressions).toContain(`SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 60)`);
  });

  it('assumes a member account role with its external id, and caches the credentials until shortly before expiry', async () => {
    const sts = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const stsMock = mockClient(sts);
    let now = T0;
    stsMock.on(AssumeRoleCommand).callsFake(() => ({
      Credentials: { AccessKeyId: `AK${stsMock.calls().length}`, SecretAccessKey: 'S', SessionToken: 'T', Expiration: new Date(now + 3_600_000) },
    }));
    const creds = assumedRole(sts, 'arn:aws:iam::222222222222:role/bedrock-watch-reader', 'ext-123', () => now);
    expect((await creds()).accessKeyId).toBe('AK1');
    now += 30 * MIN;
    expect((await creds()).accessKeyId).toBe('AK1');
    now += 26 * MIN; // within 5 minutes of expiry
    expect((await creds()).accessKeyId).toBe('AK2');
    expect(stsMock.commandCalls(AssumeRoleCommand)[0].args[0].input).toMatchObject({ RoleArn: 'arn:aws:iam::222222222222:role/bedrock-watch-reader', ExternalId: 'ext-123' });
  });

  it('a refused AssumeRole fails that account only, naming the role', async () => {
    const sts = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    mockClient(sts).on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }));
    const cw = clients(() => ({ MetricDataResults: [series(MODEL, [5])] }));
    const settings = rules('  regions: [us-east-1]\n  accounts:\n    - id: "222222222222"\n      role_arn: arn:aws:iam::222222222222:role/bedrock-watch-reader\n      external_id: ext-123').settings;
    const frame = await metricSourceFor(settings, { region: 'us-east-1', account: '111111111111', cloudwatch: cw.factory, sts }).fetch(req);
    expect(Object.keys(frame.models)).toEqual([`us-east-1|111111111111|${MODEL}`]);
    expect(frame.places?.failed['us-east-1|222222222222']).toMatch(/STS AssumeRole arn:aws:iam::222222222222:role\/bedrock-watch-reader: AccessDenied/);
  });
});

describe('a place that cannot be read', () => {
  const config = rules('  regions: [us-east-1, us-west-2]');
  const target = `us-west-2||${MODEL}`;
  const frameAt = (minute: number, failed: boolean): Frame => ({
    from: minute,
    length: 1,
    period: MIN,
    models: failed ? {} : { [target]: { 'Invocations:Sum': [5] } },
    places: { all: ['us-east-1|', 'us-west-2|'], failed: failed ? { 'us-west-2|': 'ThrottlingException: Rate exceeded' } : {} },
  });

  it('leaves its models unjudged (unknown, not silent), warns after settings.source_failure_after, and resolves once read again for the 5-minute minimum hold', () => {
    expect(config.rules.map((r) => r.name)).toContain('bedrock-watch-source-health');
    let states = {};
    const kinds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const minute = T0 + i * MIN;
      const out = evaluate({ config, frame: frameAt(minute, i < 12), states, baselines: NO_BASELINES, minutes: [{ minute, at: minute + 3 * MIN }], knownModels: [target] });
      states = out.states;
      for (const t of out.transitions) kinds.push(`${i} ${t.kind} ${t.state.rule} ${JSON.stringify(t.state.labels)}`);
      if (i < 12) expect(Object.values(out.states).filter((s) => s.labels.ModelId)).toEqual([]);
    }
    expect(kinds).toEqual([
      `10 firing bedrock-watch-source-health {"source":"cloudwatch","Region":"us-west-2"}`,
      `17 resolved bedrock-watch-source-health {"source":"cloudwatch","Region":"us-west-2"}`,
    ]);
  });
});
