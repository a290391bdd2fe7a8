import { MalformedRecordError, normaliseCaller, parseRecord, tryParseRecord, UNKNOWN_CALLER } from '../../shared/logs/record';
import { sample, SAMPLE_LINES, type RawRecord } from './fixtures/sample';

describe('parseRecord', () => {
  it('extracts time, model, operation, tokens, caller and outcome from a sample line', () => {
    expect(parseRecord(SAMPLE_LINES[0]!)).toEqual({
      timestamp: Date.parse('2026-10-05T00:00:28.802Z'),
      requestId: 'b-00000001',
      modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      operation: 'InvokeModel',
      caller: 'arn:aws:iam::123456789012:role/support-agent',
      inputTokens: 929,
      outputTokens: 338,
      outcome: 'finished',
      reason: 'end_turn',
      bodyInS3: false,
      region: 'us-east-1',
      account: '123456789012',
    });
  });

  it('parses every sample line', () => {
    for (const line of SAMPLE_LINES) expect(tryParseRecord(line).ok).toBe(true);
  });

  it('accepts an already parsed record and ignores extra fields', () => {
    const r: RawRecord = { ...sample('amazon.nova', 'Converse', 'max_tokens'), inferenceRegion: 'us-west-2', requestMetadata: { team: 'x' } };
    r.input.cacheReadInputTokenCount = 12;
    expect(parseRecord(r)).toMatchObject({ modelId: 'amazon.nova-lite-v1:0', outcome: 'truncated', reason: 'max_tokens' });
  });

  it('keeps no prompt or completion text', () => {
    const r = sample('anthropic', 'Converse', 'tool_use');
    r.input.inputBodyJson = { messages: [{ role: 'user', content: [{ text: 'SECRET PROMPT' }] }] };
    r.output.outputBodyJson.output.message.content[0].text = 'SECRET COMPLETION';
    const parsed = parseRecord(JSON.stringify(r));
    expect(Object.keys(parsed).sort()).toEqual(
      ['account', 'bodyInS3', 'caller', 'inputTokens', 'modelId', 'operation', 'outcome', 'outputTokens', 'reason', 'region', 'requestId', 'timestamp'].sort(),
    );
    expect(JSON.stringify(parsed)).not.toMatch(/SECRET|…/);
  });

  it('counts a failed request (errorCode, no output) with its input tokens', () => {
    const r = sample('meta', 'InvokeModel', 'stop');
    delete r.output;
    r.errorCode = 'ValidationException';
    expect(parseRecord(r)).toMatchObject({ outcome: 'failed', reason: 'ValidationException', inputTokens: 1133, outputTokens: 0 });
  });

  describe('bodies delivered through S3 (large payloads)', () => {
    it('counts tokens and leaves the outcome unknown when no stop reason is left', () => {
      const r = sample('anthropic', 'InvokeModel', 'end_turn');
      delete r.output.outputBodyJson;
      r.output.outputBodyS3Path = 's3://logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/10/05/00/data/b-1_output.json.gz';
      r.input.inputBodyS3Path = 's3://logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/10/05/00/data/b-1_input.json.gz';
      expect(parseRecord(r)).toMatchObject({ inputTokens: 929, outputTokens: 338, outcome: 'unknown', reason: null, bodyInS3: true });
    });

    it('still classifies the output when only the input went to S3', () => {
      const r = sample('anthropic', 'InvokeModel', 'max_tokens');
      r.input.inputBodyS3Path = 's3://logs/data/b-2_input.json.gz';
      expect(parseRecord(r)).toMatchObject({ outcome: 'truncated', bodyInS3: true });
    });

    it('ignores any other …S3Path reference the same way', () => {
      const r = sample('amazon.nova', 'Converse', 'end_turn');
      delete r.output.outputBodyJson;
      r.output.outputImageS3Path = 's3://logs/data/img.png';
      expect(parseRecord(r)).toMatchObject({ outcome: 'unknown', bodyInS3: true, outputTokens: 308 });
    });
  });

  describe('malformed records throw a typed error naming the field, never the content', () => {
    const base = () => sample('meta', 'InvokeModel', 'stop');
    it.each<[string, () => unknown, string]>([
      ['text that is not JSON', () => '{"schemaType":"ModelInvocationLog", SECRET', 'not_json'],
      ['JSON that is not an object', () => '["SECRET"]', 'not_object'],
      ['another schema', () => ({ ...base(), schemaType: 'SECRETLog' }), 'schema_type'],
      ['no timestamp', () => ({ ...base(), timestamp: undefined }), 'timestamp'],
      ['a timestamp that is not ISO', () => ({ ...base(), timestamp: 'SECRET o clock' }), 'timestamp'],
      ['an impossible date', () => ({ ...base(), timestamp: '2026-13-45T00:00:00Z' }), 'timestamp'],
      ['no modelId', () => ({ ...base(), modelId: '' }), 'model_id'],
      ['no operation', () => ({ ...base(), operation: 7 }), 'operation'],
      ['token count as a string', () => ({ ...base(), input: { inputTokenCount: '929' } }), 'tokens'],
      ['negative token count', () => ({ ...base(), output: { outputTokenCount: -1, outputBodyJson: {} } }), 'tokens'],
      ['fractional token count', () => ({ ...base(), output: { outputTokenCount: 1.5, outputBodyJson: {} } }), 'tokens'],
    ])('%s', (_name, input, code) => {
      const res = tryParseRecord(input());
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error).toBeInstanceOf(MalformedRecordError);
      expect(res.error.code).toBe(code);
      expect(res.error.message).not.toMatch(/SECRET/);
      expect(() => parseRecord(input())).toThrow(MalformedRecordError);
    });
  });

  it('counts a record without identity under an unknown caller', () => {
    const r = sample('meta', 'InvokeModel', 'stop');
    delete r.identity;
    expect(parseRecord(r).caller).toBe(UNKNOWN_CALLER);
  });
});

describe('normaliseCaller', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/support-agent/task-3', 'arn:aws:iam::123456789012:role/support-agent'],
    ['arn:aws:sts::123456789012:assumed-role/chat-api/i-0a1b', 'arn:aws:iam::123456789012:role/chat-api'],
    ['arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123abcd/jane@example.com', 'arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_0123abcd'],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/gov-role/s', 'arn:aws-us-gov:iam::123456789012:role/gov-role'],
    ['arn:aws-cn:sts::123456789012:assumed-role/cn-role/s', 'arn:aws-cn:iam::123456789012:role/cn-role'],
    // IAM users stay as they are
    ['arn:aws:iam::123456789012:user/dheeraj', 'arn:aws:iam::123456789012:user/dheeraj'],
    ['arn:aws:iam::123456789012:user/team/api-key-user', 'arn:aws:iam::123456789012:user/team/api-key-user'],
    // anything else is kept
    ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:root'],
    ['arn:aws:sts::123456789012:federated-user/bob', 'arn:aws:sts::123456789012:federated-user/bob'],
    ['arn:aws:iam::123456789012:role/already-a-role', 'arn:aws:iam::123456789012:role/already-a-role'],
    ['not-an-arn', 'not-an-arn'],
  ])('%s → %s', (arn, role) => expect(normaliseCaller(arn)).toBe(role));
});
