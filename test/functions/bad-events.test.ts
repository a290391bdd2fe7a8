/** The evaluate handler on schedule payloads it cannot use: one clear line, no stack, nothing touched. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createEvaluateHandler } from '../../functions/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { parseRules } from '../../shared/rules/load';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { lambdaContext, scheduledEvent } from '../support/lambda';

const RULES = `
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    tiers: { critical: { above: 5% } }
    next_check: Check the AWS Health Dashboard.
`;
const T0 = Date.parse('2026-10-05T15:00:00.000Z');

describe('bad input: schedule event', () => {
  it.each<[string, unknown, string]>([
    ['nothing (middy makes it {})', undefined, 'bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json'],
    ['a string', '2026-10-05T15:00:00Z', 'bad event: expected an EventBridge Scheduled Event object, got "2026-10-05T15:00:00Z"'],
    ['an array', [scheduledEvent(T0)], `bad event: expected an EventBridge Scheduled Event object, got [{"version":"0","id":"local-event","detail-type":"Scheduled Event","source":"aws… (${JSON.stringify([scheduledEvent(T0)]).length} characters)`],
    ['an empty object', {}, 'bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json'],
    ['a time of the wrong type', { ...scheduledEvent(T0), time: { iso: '2026-10-05' } }, 'bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json'],
    ['a huge garbage time', { ...scheduledEvent(T0), time: 'x'.repeat(1_000_000) }, `bad event: field "time" is not an ISO date: "${'x'.repeat(79)}… (1000002 characters)`],
  ])('rejects %s: one error line, no stack, no state touched', async (_what, event, message) => {
    const store = new MemoryStateStore();
    const log = new Logger({ serviceName: 'bedrock-watch-test', logLevel: 'SILENT' });
    const lines: unknown[][] = [];
    for (const level of ['info', 'warn', 'error'] as const) jest.spyOn(log, level).mockImplementation(((...a: unknown[]) => void lines.push([level, ...a])) as never);
    const handler = createEvaluateHandler(
      () => ({ config: parseRules(RULES), source: { fetch: () => Promise.reject(new Error('must not fetch')) }, store, notifiers: { get: () => Promise.reject(new Error('must not notify')) }, baselines: async () => NO_BASELINES }),
      log,
    );
    const failure = await handler(event, lambdaContext()).then(
      () => null,
      (e: Error) => e,
    );
    expect({ name: failure?.name, message: failure?.message }).toEqual({ name: "BadEventError", message });
    expect(failure?.stack).toBe(`BadEventError: ${message}`);
    expect(lines).toEqual([['error', `rejected the event: ${message}`]]);
    expect((await store.load()).cursor).toMatchObject({ lastMinute: null, version: 0 });
  });
});
