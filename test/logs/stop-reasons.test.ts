import { baseModelId, classify, STOP_REASONS } from '../../shared/logs/stop-reasons';
import { type Outcome } from '../../shared/core/logs';
import { sampleRecords } from './fixtures/sample';

const rec = (operation: string, modelId: string, outputBodyJson: unknown, extra: Record<string, unknown> = {}) => ({
  schemaType: 'ModelInvocationLog',
  timestamp: '2026-10-05T00:00:00.000Z',
  operation,
  modelId,
  input: { inputTokenCount: 10 },
  output: { outputTokenCount: 5, outputBodyJson },
  ...extra,
});

const CLAUDE = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const MISTRAL = 'mistral.mistral-large-2402-v1:0';
const COHERE = 'cohere.command-r-plus-v1:0';
const TITAN = 'amazon.titan-text-express-v1';
const NOVA = 'amazon.nova-lite-v1:0';

describe('classify: the stop-reason table per provider', () => {
  const converse = (stopReason: string) => ({ output: { message: { role: 'assistant', content: [{ text: '…' }] } }, stopReason });

  type Case = [name: string, operation: string, modelId: string, body: unknown, outcome: Outcome];
  const cases: Case[] = [
    // Converse, any model
    ['Converse end_turn', 'Converse', NOVA, converse('end_turn'), 'finished'],
    ['Converse tool_use', 'Converse', CLAUDE, converse('tool_use'), 'finished'],
    ['Converse stop_sequence', 'Converse', LLAMA, converse('stop_sequence'), 'finished'],
    ['Converse max_tokens', 'Converse', NOVA, converse('max_tokens'), 'truncated'],
    ['Converse model_context_window_exceeded', 'Converse', CLAUDE, converse('model_context_window_exceeded'), 'truncated'],
    ['Converse content_filtered', 'Converse', NOVA, converse('content_filtered'), 'filtered'],
    ['Converse guardrail_intervened', 'Converse', MISTRAL, converse('guardrail_intervened'), 'filtered'],
    ['Converse malformed_model_output', 'Converse', NOVA, converse('malformed_model_output'), 'failed'],
    ['Converse malformed_tool_use', 'Converse', CLAUDE, converse('malformed_tool_use'), 'failed'],
    ['ConverseStream messageStop event', 'ConverseStream', NOVA, [{ contentBlockDelta: {} }, { messageStop: { stopReason: 'max_tokens' } }], 'truncated'],
    // Anthropic InvokeModel
    ['Anthropic end_turn', 'InvokeModel', CLAUDE, { stop_reason: 'end_turn' }, 'finished'],
    ['Anthropic tool_use', 'InvokeModel', CLAUDE, { stop_reason: 'tool_use' }, 'finished'],
    ['Anthropic stop_sequence', 'InvokeModel', CLAUDE, { stop_reason: 'stop_sequence' }, 'finished'],
    ['Anthropic pause_turn', 'InvokeModel', CLAUDE, { stop_reason: 'pause_turn' }, 'finished'],
    ['Anthropic max_tokens', 'InvokeModel', CLAUDE, { stop_reason: 'max_tokens' }, 'truncated'],
    ['Anthropic model_context_window_exceeded', 'InvokeModel', CLAUDE, { stop_reason: 'model_context_window_exceeded' }, 'truncated'],
    ['Anthropic refusal', 'InvokeModel', CLAUDE, { stop_reason: 'refusal' }, 'filtered'],
    ['Anthropic stream (message_delta)', 'InvokeModelWithResponseStream', CLAUDE,
      [{ type: 'message_start' }, { type: 'content_block_delta' }, { type: 'message_delta', delta: { stop_reason: 'max_tokens' } }], 'truncated'],
    ['Anthropic legacy stream chunks', 'InvokeModelWithResponseStream', 'anthropic.claude-v2:1',
      [{ completion: '…', stop_reason: null }, { completion: '', stop_reason: 'stop_sequence' }], 'finished'],
    // Meta
    ['Meta stop', 'InvokeModel', LLAMA, { generation: '…', stop_reason: 'stop' }, 'finished'],
    ['Meta length', 'InvokeModel', LLAMA, { stop_reason: 'length' }, 'truncated'],
    ['Meta content_filtered', 'InvokeModel', LLAMA, { stop_reason: 'content_filtered' }, 'filtered'],
    ['Meta stream chunks', 'InvokeModelWithResponseStream', LLAMA, [{ stop_reason: null }, { stop_reason: 'length' }], 'truncated'],
    // Mistral
    ['Mistral stop', 'InvokeModel', MISTRAL, { outputs: [{ text: '…', stop_reason: 'stop' }] }, 'finished'],
    ['Mistral length', 'InvokeModel', MISTRAL, { outputs: [{ text: '…', stop_reason: 'length' }] }, 'truncated'],
    ['Mistral content_filtered', 'InvokeModel', MISTRAL, { outputs: [{ stop_reason: 'content_filtered' }] }, 'filtered'],
    // Cohere
    ['Cohere COMPLETE', 'InvokeModel', COHERE, { text: '…', finish_reason: 'COMPLETE' }, 'finished'],
    ['Cohere MAX_TOKENS', 'InvokeModel', COHERE, { finish_reason: 'MAX_TOKENS' }, 'truncated'],
    ['Cohere ERROR_TOXIC', 'InvokeModel', COHERE, { finish_reason: 'ERROR_TOXIC' }, 'filtered'],
    ['Cohere ERROR', 'InvokeModel', COHERE, { finish_reason: 'ERROR' }, 'filtered'],
    ['Cohere Command generations[]', 'InvokeModel', 'cohere.command-text-v14', { generations: [{ finish_reason: 'MAX_TOKENS' }] }, 'truncated'],
    // Titan
    ['Titan FINISH', 'InvokeModel', TITAN, { results: [{ outputText: '…', completionReason: 'FINISH' }] }, 'finished'],
    ['Titan LENGTH', 'InvokeModel', TITAN, { results: [{ completionReason: 'LENGTH' }] }, 'truncated'],
    ['Titan CONTENT_FILTERED', 'InvokeModel', TITAN, { results: [{ completionReason: 'CONTENT_FILTERED' }] }, 'filtered'],
    ['Titan stream chunk', 'InvokeModelWithResponseStream', TITAN, [{ outputText: '…', completionReason: 'FINISH' }], 'finished'],
    // Nova's own InvokeModel body speaks Converse
    ['Nova InvokeModel', 'InvokeModel', NOVA, { output: {}, stopReason: 'max_tokens' }, 'truncated'],
  ];
  it.each(cases.map(([name, operation, modelId, body, outcome]): [string, Outcome, string, string, unknown] => [name, outcome, operation, modelId, body]))('%s → %s', (_name, outcome, operation, modelId, body) => {
    expect(classify(rec(operation, modelId, body)).outcome).toBe(outcome);
  });

  it('returns the raw reason with the outcome', () => {
    expect(classify(rec('Converse', NOVA, converse('content_filtered')))).toEqual({ outcome: 'filtered', reason: 'content_filtered' });
    expect(classify(rec('InvokeModel', TITAN, { results: [{ completionReason: 'LENGTH' }] }))).toEqual({ outcome: 'truncated', reason: 'LENGTH' });
  });

  it('lets the worst of several outputs win: failed > filtered > truncated > finished', () => {
    const mistral = (...reasons: string[]) => classify(rec('InvokeModel', MISTRAL, { outputs: reasons.map((stop_reason) => ({ stop_reason })) }));
    expect(mistral('stop', 'length', 'stop')).toEqual({ outcome: 'truncated', reason: 'length' });
    expect(mistral('length', 'content_filtered')).toEqual({ outcome: 'filtered', reason: 'content_filtered' });
    expect(mistral('stop', 'stop')).toEqual({ outcome: 'finished', reason: 'stop' });
    const titan = classify(rec('InvokeModel', TITAN, { results: [{ completionReason: 'FINISH' }, { completionReason: 'CONTENT_FILTERED' }, { completionReason: 'LENGTH' }] }));
    expect(titan).toEqual({ outcome: 'filtered', reason: 'CONTENT_FILTERED' });
  });

  it('never counts an unknown value among finished ones as finished', () => {
    const c = classify(rec('InvokeModel', MISTRAL, { outputs: [{ stop_reason: 'stop' }, { stop_reason: 'tool_calls' }] }));
    expect(c).toEqual({ outcome: 'unknown', reason: 'tool_calls' });
  });

  describe('errors are failures', () => {
    it('a record with an errorCode', () => {
      const r = { ...rec('InvokeModel', CLAUDE, undefined), errorCode: 'ThrottlingException' };
      delete (r as Record<string, unknown>).output;
      expect(classify(r)).toEqual({ outcome: 'failed', reason: 'ThrottlingException' });
    });
    it('an errorCode wins over a body', () => {
      expect(classify(rec('Converse', NOVA, converse('end_turn'), { errorCode: 'ModelErrorException' }))).toEqual({
        outcome: 'failed',
        reason: 'ModelErrorException',
      });
    });
    it('a record without output', () => {
      const r: Record<string, unknown> = rec('InvokeModel', LLAMA, {});
      delete r.output;
      expect(classify(r)).toEqual({ outcome: 'failed', reason: null });
    });
  });

  describe('unknown shapes and values are unknown, with the raw reason when there is one', () => {
    it.each<[string, Record<string, unknown>, string | null]>([
      ['an unlisted Converse value', rec('Converse', NOVA, converse('new_reason_2027')), 'new_reason_2027'],
      ['an unlisted Anthropic value', rec('InvokeModel', CLAUDE, { stop_reason: 'compaction' }), 'compaction'],
      ['a Meta value from another provider', rec('InvokeModel', LLAMA, { stop_reason: 'end_turn' }), 'end_turn'],
      ['a lower-case Cohere value', rec('InvokeModel', COHERE, { finish_reason: 'complete' }), 'complete'],
      ['a non-string reason', rec('InvokeModel', LLAMA, { stop_reason: 42 }), '42'],
      ['a provider with no row (embeddings)', rec('InvokeModel', 'amazon.titan-embed-text-v2:0', { embedding: [0.1], inputTextTokenCount: 3 }), null],
      ['a known provider with an unknown shape', rec('InvokeModel', CLAUDE, { completion: '…' }), null],
      ['an empty body', rec('Converse', NOVA, {}), null],
      ['a body that is not JSON', rec('Converse', NOVA, '{not json'), null],
      ['an unknown operation and shape', rec('CountTokens', CLAUDE, { inputTokens: 3 }), null],
      ['output without a body', { ...rec('Converse', NOVA, undefined), output: { outputTokenCount: 3 } }, null],
    ])('%s', (_name, r, reason) => {
      expect(classify(r)).toEqual({ outcome: 'unknown', reason });
    });

    it('a record that is not an object', () => {
      expect(classify(null)).toEqual({ outcome: 'unknown', reason: null });
      expect(classify('x')).toEqual({ outcome: 'unknown', reason: null });
    });

    it('clips an absurdly long raw reason', () => {
      expect(classify(rec('Converse', NOVA, converse('x'.repeat(500)))).reason).toHaveLength(64);
    });
  });

  describe('model ids', () => {
    it.each([
      [CLAUDE, CLAUDE],
      ['us.anthropic.claude-3-5-sonnet-20240620-v1:0', CLAUDE],
      ['global.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0'],
      ['arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-70b-instruct-v1:0', LLAMA],
      ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.mistral.pixtral-large-2502-v1:0', 'mistral.pixtral-large-2502-v1:0'],
    ])('%s → %s', (id, base) => expect(baseModelId(id)).toBe(base));

    it('classifies cross-region profiles by their provider', () => {
      expect(classify(rec('InvokeModel', 'us.meta.llama3-2-90b-instruct-v1:0', { stop_reason: 'length' })).outcome).toBe('truncated');
    });

    it('recognises the body by its shape behind an application inference profile', () => {
      const profile = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
      expect(classify(rec('InvokeModel', profile, { stop_reason: 'max_tokens' }))).toEqual({ outcome: 'truncated', reason: 'max_tokens' });
      expect(classify(rec('InvokeModel', profile, { stop_reason: 'length' }))).toEqual({ outcome: 'truncated', reason: 'length' });
      expect(classify(rec('InvokeModel', profile, { results: [{ completionReason: 'CONTENT_FILTERED' }] })).outcome).toBe('filtered');
      expect(classify(rec('InvokeModel', profile, { stop_reason: 'whatever' }))).toEqual({ outcome: 'unknown', reason: 'whatever' });
    });
  });

  it('classifies every record of the sample trace as a known outcome', () => {
    const seen = sampleRecords().map((r) => [r.operation, r.modelId.split('.')[0], classify(r)]);
    expect(seen).toEqual([
      ['InvokeModel', 'anthropic', { outcome: 'finished', reason: 'end_turn' }],
      ['Converse', 'anthropic', { outcome: 'finished', reason: 'end_turn' }],
      ['InvokeModel', 'meta', { outcome: 'finished', reason: 'stop' }],
      ['Converse', 'amazon', { outcome: 'finished', reason: 'end_turn' }],
      ['InvokeModel', 'anthropic', { outcome: 'truncated', reason: 'max_tokens' }],
      ['InvokeModel', 'anthropic', { outcome: 'filtered', reason: 'refusal' }],
      ['Converse', 'amazon', { outcome: 'truncated', reason: 'max_tokens' }],
      ['Converse', 'anthropic', { outcome: 'finished', reason: 'tool_use' }],
      ['InvokeModel', 'meta', { outcome: 'truncated', reason: 'length' }],
      ['Converse', 'anthropic', { outcome: 'truncated', reason: 'max_tokens' }],
      ['Converse', 'amazon', { outcome: 'filtered', reason: 'content_filtered' }],
      ['InvokeModel', 'meta', { outcome: 'filtered', reason: 'content_filtered' }],
      ['Converse', 'anthropic', { outcome: 'filtered', reason: 'content_filtered' }],
    ]);
  });

  it('keeps the table declarative: every row names its operations, paths and values', () => {
    for (const row of STOP_REASONS) {
      expect(row.operations.length).toBeGreaterThan(0);
      expect(row.paths.length).toBeGreaterThan(0);
      expect(Object.keys(row.outcomes).length).toBeGreaterThan(0);
    }
  });
});
