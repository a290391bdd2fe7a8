/**
 * The EMF metrics port's defaults (shared/run/emf-metrics.ts) and the recording port tests use
 * (shared/run/metrics.ts): the service and Stage dimensions from the Lambda environment when not
 * given, each unit named as CloudWatch expects, counts written once per invocation.
 */
import { EmfMetrics } from '../../shared/run/emf-metrics';
import { NO_METRICS, RecordingMetrics } from '../../shared/run/metrics';

interface Emf {
  _aws: { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

const ENV = ['POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_SERVICE_NAME', 'STAGE'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
beforeEach(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

/** The EMF documents one invocation writes, with `body` run inside it (or failing it when `fail`). */
async function invocation(metrics: EmfMetrics, body: () => void, fail = false): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const flush = metrics.flushing();
    await flush.before?.({} as never);
    body();
    if (fail) await flush.onError?.({ error: new Error('tick failed') } as never);
    else await flush.after?.({} as never);
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
}

describe('EMF dimensions from the environment', () => {
  it('service from POWERTOOLS_SERVICE_NAME and Stage from STAGE when not given', async () => {
    process.env.POWERTOOLS_SERVICE_NAME = 'bw-team-a';
    process.env.STAGE = 'staging';
    const m = new EmfMetrics();
    const [doc] = await invocation(m, () => m.count('Heartbeat'));
    expect([doc.service, doc.Stage]).toEqual(['bw-team-a', 'staging']);
  });

  it('bedrock-watch and local without them', async () => {
    delete process.env.POWERTOOLS_SERVICE_NAME;
    delete process.env.STAGE;
    const m = new EmfMetrics();
    const [doc] = await invocation(m, () => m.count('Heartbeat'));
    expect([doc.service, doc.Stage]).toEqual(['bedrock-watch', 'local']);
  });
});

describe('EMF units and counts', () => {
  it('a gauge is a Count unless it says Seconds or Milliseconds', async () => {
    const m = new EmfMetrics({ stage: 'test' });
    const [doc] = await invocation(m, () => {
      m.gauge('Plain', 3);
      m.gauge('Age', 4, 'Seconds');
      m.gauge('Took', 5, 'Milliseconds');
    });
    expect(doc._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'Plain', Unit: 'Count' },
      { Name: 'Age', Unit: 'Seconds' },
      { Name: 'Took', Unit: 'Milliseconds' },
    ]);
    expect([doc.Plain, doc.Age, doc.Took]).toEqual([3, 4, 5]);
  });

  it('counts of a failed invocation are written too, and not again by the next invocation', async () => {
    const m = new EmfMetrics({ stage: 'test' });
    const [failed] = await invocation(m, () => m.count('TickErrors'), true);
    expect(failed.TickErrors).toBe(1);
    const [next] = await invocation(m, () => m.count('Heartbeat'));
    expect([next.Heartbeat, next.TickErrors]).toEqual([1, undefined]);
  });
});

describe('the recording port', () => {
  it('sums counts (1 when no value is given) and keeps every gauge with its unit (Count by default); last() is the newest', () => {
    const r = new RecordingMetrics();
    r.count('A');
    r.count('A', 4);
    r.gauge('G', 1);
    r.gauge('G', 2, 'Seconds');
    r.gauge('H', 9);
    expect(r.counts).toEqual({ A: 5 });
    expect(r.gauges).toEqual([
      { name: 'G', value: 1, unit: 'Count' },
      { name: 'G', value: 2, unit: 'Seconds' },
      { name: 'H', value: 9, unit: 'Count' },
    ]);
    expect([r.last('G'), r.last('H'), r.last('none')]).toEqual([2, 9, undefined]);
  });

  it('the no-op port accepts everything', () => {
    expect([NO_METRICS.count('x'), NO_METRICS.gauge('x', 1)]).toEqual([undefined, undefined]);
  });
});
