/**
 * A throwing rule seen from the real evaluate handler: the tick completes, the other rules alert and
 * notify, the failure is counted in the TickReport (ruleErrors) and logged once per rule and model.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createEvaluateHandler } from '../../functions/evaluate';
import { NO_BASELINES, type Baselines } from '../../shared/engine/types';
import { CaptureNotifiers } from '../../shared/local/capture';
import { parseRules } from '../../shared/rules/load';
import type { TickReport } from '../../shared/run/tick';
import { ReplaySource } from '../../shared/sources/replay';
import { MINUTE } from '../../shared/core/time';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { runs } from '../support/frame';
import { lambdaContext, scheduledEvent } from '../support/lambda';
import { traceOf } from '../support/trace';

const GOOD = 'amazon.nova-lite-v1:0';
const BAD = 'amazon.nova-pro-v1:0';
const T0 = Date.parse('2026-10-05T15:00:00.000Z');

const RULES = `
receivers:
  - name: sns-alerts
    type: sns
routes:
  critical: [sns-alerts]
# Every rule judged every tick (no slow reads): the test counts one failure per tick.
settings: { detail_every: 1m }
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    models: { include: ['amazon.*', 'mistral.*'] }
    tiers:
      critical: { above: 10s, for: 5m }
    next_check: Look at output tokens per request.
`;

/** An hour of both models with 30% server errors from minute 10. */
const model = () => ({ 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 10]), ...runs([30, 50])], 'InvocationLatency:p95': runs([800, 60]) });
const trace = traceOf(T0, { [GOOD]: model(), [BAD]: model() });

describe('bad input: a throwing rule in a tick', () => {
  it('counts it in the report and logs it, while the other rules alert and notify', async () => {
    const config = parseRules(RULES);
    let now = 0;
    const source = new ReplaySource(trace, { now: () => now, delayMs: config.settings.publication_delay });
    const store = new MemoryStateStore();
    const notifiers = new CaptureNotifiers(config.receivers);
    const baselines: Baselines = { ...NO_BASELINES, expect: (m) => (m === BAD ? (() => { throw new RangeError('corrupt baseline item'); })() : null) };
    const logger = new Logger({ serviceName: 'bedrock-watch-test', logLevel: 'SILENT' });
    const lines: { level: string; msg: string; extra: Record<string, unknown> }[] = [];
    for (const level of ['info', 'warn', 'error'] as const) {
      jest.spyOn(logger, level).mockImplementation(((msg: string, extra: Record<string, unknown> = {}) => void lines.push({ level, msg, extra })) as never);
    }
    const handler = createEvaluateHandler(() => ({ config, source, store, notifiers, baselines: async () => baselines, sleep: async () => {} }), logger);

    const reports: TickReport[] = [];
    for (let t = T0 + 3 * MINUTE; t <= T0 + 40 * MINUTE; t += MINUTE) {
      now = t;
      reports.push(await handler(scheduledEvent(t), lambdaContext()));
    }

    // Every tick evaluated and counted the one failing rule × model.
    expect(reports.every((r) => r.evaluated !== null && r.ruleErrors === 1)).toBe(true);
    expect(reports[0].failedRules).toEqual([{ rule: 'latency-p95', model: BAD, minutes: 1, message: 'RangeError: corrupt baseline item' }]);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(reports.length);
    expect(errors[0]).toEqual({ level: 'error', msg: 'rule failed; the other rules were evaluated', extra: { rule: 'latency-p95', model: BAD, minutes: 1, message: 'RangeError: corrupt baseline item' } });

    // The other rule pages for both models, the failing one's model included.
    expect(notifiers.sent.map((c) => `${c.notification.action} ${c.notification.alert.rule} ${c.notification.alert.labels.ModelId}`).sort()).toEqual([
      `trigger server-errors ${GOOD}`,
      `trigger server-errors ${BAD}`,
    ].sort());

    // The models.include glob that matches nothing is said once, with the models seen, not every minute.
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      { level: 'warn', msg: 'models.include pattern "mistral.*" of rule latency-p95 matches no model seen', extra: { rule: 'latency-p95', pattern: 'mistral.*', modelsSeen: [GOOD, BAD] } },
    ]);
  });
});
