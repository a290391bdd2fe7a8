import { aggregate, aggregateMessages } from '../../shared/logs/aggregate';
import { minuteOf } from '../../shared/core/logs';
import { MalformedRecordError, parseRecord } from '../../shared/logs/record';
import { burst, sample, SAMPLE_LINES } from './fixtures/sample';

const T0 = Date.parse('2026-10-05T09:00:00Z');
const at = (r: Record<string, any>, iso: string, caller?: string) => {
  r.timestamp = iso;
  if (caller) r.identity.arn = caller;
  return parseRecord(r);
};

describe('aggregate', () => {
  it('counts outcomes, tokens, reasons and callers per model and minute', () => {
    const { buckets, records, malformed } = aggregate([
      at(sample('anthropic', 'InvokeModel', 'end_turn'), '2026-10-05T09:00:01.000Z'),
      at(sample('anthropic', 'InvokeModel', 'max_tokens'), '2026-10-05T09:00:59.999Z', 'arn:aws:sts::123456789012:assumed-role/support-agent/other-session'),
      at(sample('anthropic', 'Converse', 'max_tokens'), '2026-10-05T09:00:30.000Z', 'arn:aws:iam::123456789012:user/alice'),
      at(sample('anthropic', 'InvokeModel', 'refusal'), '2026-10-05T09:01:00.000Z'),
      at(sample('amazon.nova', 'Converse', 'content_filtered'), '2026-10-05T09:00:10.000Z'),
    ]);
    expect(records).toBe(5);
    expect(malformed).toBe(0);
    expect(buckets.map((b) => [b.modelId, new Date(b.minute).toISOString(), b.requests])).toEqual([
      ['amazon.nova-lite-v1:0', '2026-10-05T09:00:00.000Z', 1],
      ['anthropic.claude-3-5-sonnet-20240620-v1:0', '2026-10-05T09:00:00.000Z', 3],
      ['anthropic.claude-3-5-sonnet-20240620-v1:0', '2026-10-05T09:01:00.000Z', 1],
    ]);
    const claude = buckets[1]!;
    const [a, b, c] = [sample('anthropic', 'InvokeModel', 'end_turn'), sample('anthropic', 'InvokeModel', 'max_tokens'), sample('anthropic', 'Converse', 'max_tokens')];
    expect(claude).toEqual({
      modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      minute: T0,
      finished: 1,
      truncated: 2,
      filtered: 0,
      failed: 0,
      unknown: 0,
      requests: 3,
      inputTokens: a.input.inputTokenCount + b.input.inputTokenCount + c.input.inputTokenCount,
      outputTokens: a.output.outputTokenCount + b.output.outputTokenCount + c.output.outputTokenCount,
      reasons: { end_turn: 1, max_tokens: 2 },
      callers: {
        // two sessions of the same role are one caller
        'arn:aws:iam::123456789012:role/support-agent': {
          requests: 2,
          inputTokens: a.input.inputTokenCount + b.input.inputTokenCount,
          outputTokens: a.output.outputTokenCount + b.output.outputTokenCount,
        },
        'arn:aws:iam::123456789012:user/alice': { requests: 1, inputTokens: c.input.inputTokenCount, outputTokens: c.output.outputTokenCount },
      },
    });
    expect(buckets[2]).toMatchObject({ filtered: 1, reasons: { refusal: 1 } });
  });

  it('counts malformed records by code without failing the rest', () => {
    const lines = [...SAMPLE_LINES.slice(0, 4), 'not json', '{"schemaType":"ModelInvocationLog"}', '{"modelId":"m","operation":"Converse","timestamp":"2026-10-05T00:00:00Z","input":{"inputTokenCount":"x"}}'];
    const agg = aggregateMessages(lines);
    expect(agg.records).toBe(4);
    expect(agg.malformed).toBe(3);
    expect(agg.malformedByCode).toEqual({ not_json: 1, timestamp: 1, tokens: 1 });
    expect(agg.buckets.reduce((n, b) => n + b.requests, 0)).toBe(4);
  });

  it('takes MalformedRecordErrors mixed with records', () => {
    const agg = aggregate([parseRecord(SAMPLE_LINES[0]!), new MalformedRecordError('tokens', 'input.inputTokenCount', 'bad')]);
    expect([agg.records, agg.malformed, agg.buckets.length]).toEqual([1, 1, 1]);
  });

  it('counts errors as failed with their code, and S3-delivered bodies as unknown with their tokens', () => {
    const err = sample('meta', 'InvokeModel', 'stop');
    delete err.output;
    err.errorCode = 'ModelTimeoutException';
    const big = sample('meta', 'InvokeModel', 'length');
    delete big.output.outputBodyJson;
    big.output.outputBodyS3Path = 's3://logs/data/x_output.json.gz';
    big.timestamp = err.timestamp;
    const [b] = aggregate([parseRecord(err), parseRecord(big)]).buckets;
    expect(b).toMatchObject({
      failed: 1,
      unknown: 1,
      requests: 2,
      reasons: { ModelTimeoutException: 1 },
      inputTokens: err.input.inputTokenCount + big.input.inputTokenCount,
      outputTokens: big.output.outputTokenCount,
    });
  });

  it('keeps every request: outcome counts add up to requests, callers too', () => {
    const { buckets, records } = aggregateMessages(burst(2_000, T0, 7).map((r) => JSON.stringify(r)));
    expect(records).toBe(2_000);
    expect(buckets).toHaveLength(3 * 7);
    for (const b of buckets) {
      expect(b.finished + b.truncated + b.filtered + b.failed + b.unknown).toBe(b.requests);
      expect(Object.values(b.callers).reduce((n, c) => n + c.requests, 0)).toBe(b.requests);
      expect(Object.values(b.callers).reduce((n, c) => n + c.inputTokens, 0)).toBe(b.inputTokens);
      expect(Object.values(b.reasons).reduce((n, c) => n + c, 0)).toBe(b.requests);
    }
  });

  it('keeps a reason named like an Object property as data', () => {
    const r = sample('amazon.nova', 'Converse', 'end_turn');
    r.output.outputBodyJson.stopReason = '__proto__';
    const [b] = aggregate([parseRecord(r)]).buckets;
    expect(Object.getPrototypeOf(b!.reasons)).toBe(Object.prototype);
    expect(Object.entries(b!.reasons)).toEqual([['__proto__', 1]]);
  });

  it('floors to the minute', () => {
    expect(minuteOf(T0 + 59_999)).toBe(T0);
    expect(minuteOf(T0 + 60_000)).toBe(T0 + 60_000);
  });
});
