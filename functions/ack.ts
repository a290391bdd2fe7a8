/**
 * Acknowledgements over HTTP (a Lambda function URL, auth NONE: every request is verified by its
 * signature): POST /slack from the Slack app's Acknowledge button, POST /pagerduty from a PagerDuty
 * v3 webhook subscription. Wiring only: the work is shared/ack/handle.ts.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { handleAckRequest, type AckDeps, type HttpEvent, type HttpResult } from '../shared/ack/handle';
import { ackDeps, ackEnvironment } from '../shared/run/ack-deps';
import { EmfMetrics } from '../shared/run/emf-metrics';
import { logger } from '../shared/run/logger';
import { NO_METRICS, type RunMetrics } from '../shared/run/metrics';

export function createAckHandler(deps: () => AckDeps, log = logger, metrics: RunMetrics | EmfMetrics = NO_METRICS) {
  const handler = middy(async (event: HttpEvent): Promise<HttpResult> => {
    try {
      return await handleAckRequest(event, deps());
    } catch (e) {
      // An acknowledgement that could not be made (SSM, DynamoDB, Slack's response_url): counted, so the
      // AckFailures alarm tells the operator; the caller learns nothing (Slack and PagerDuty only need a non-2xx).
      metrics.count('AckFailures');
      log.error('acknowledge failed', { error: e instanceof Error ? e.message : String(e) });
      return { statusCode: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal error' };
    }
  }).use(injectLambdaContext(log, { logEvent: false }));
  if (metrics instanceof EmfMetrics) handler.use(metrics.flushing());
  return handler;
}

export const handler = createAckHandler(() => ackDeps({ ...ackEnvironment(), log: logger }), logger, new EmfMetrics());
