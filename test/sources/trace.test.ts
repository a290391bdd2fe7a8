/** Reading recorded metric traces: gzip or plain, line by line, with located errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadMetricTrace, TraceError } from '../../shared/sources/trace';

const dir = mkdtempSync(join(tmpdir(), 'bw-trace-'));
const line = (t: string, metric: string, value: number, extra: object = {}) =>
  JSON.stringify({ timestamp: t, namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: 'amazon.nova-lite-v1:0' }, stat: 'Sum', period: 60, value, ...extra });
const LINES = [
  line('2026-10-05T00:00:00.000Z', 'Invocations', 11),
  line('2026-10-05T00:02:00.000Z', 'Invocations', 0),
  line('2026-10-05T00:02:00.000Z', 'GuardrailBlocked', 1), // unknown metrics are kept, never rejected
  line('2026-10-05T00:00:00.000Z', 'Invocations', 600, { period: 3600 }), // another period: skipped
].join('\n');

describe('loadMetricTrace', () => {
  it.each([
    ['plain JSON lines', 'plain.jsonl', Buffer.from(`${LINES}\n`)],
    ['gzip, whatever the file is called', 'trace.jsonl', gzipSync(LINES)],
  ])('reads %s into dense minutes, missing minutes as null', (_n, name, bytes) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const t = loadMetricTrace(file);
    expect(t.from).toBe(Date.parse('2026-10-05T00:00:00Z'));
    expect(t.to).toBe(Date.parse('2026-10-05T00:03:00Z'));
    expect(t.series['amazon.nova-lite-v1:0']['Invocations:Sum']).toEqual([11, null, 0]);
    expect(t.series['amazon.nova-lite-v1:0']['GuardrailBlocked:Sum']).toEqual([null, null, 1]);
    expect(t.skipped).toBe(1);
  });

  it('names the file and line of a broken record', () => {
    const file = join(dir, 'broken.jsonl');
    writeFileSync(file, `${LINES}\n{"timestamp": "2026-10-05T00:03:00Z", "metric": "Invocations"\n`);
    expect(() => loadMetricTrace(file)).toThrow(new TraceError(`${file}:5: not valid JSON`));
  });

  it('says when the file cannot be read', () => {
    expect(() => loadMetricTrace(join(dir, 'nope.jsonl.gz'))).toThrow(/cannot read trace .*nope\.jsonl\.gz/);
  });
});
