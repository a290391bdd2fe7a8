/**
 * Acknowledgements over HTTP (a Lambda function URL, auth NONE: every request is verified by its
 * signature): POST /slack from the Slack app's Acknowledge button, POST /pagerduty from a PagerDuty
 * v3 webhook subscription. Wiring only: the work is shared/ack/handle.ts.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { handleAckRequest, type AckDeps, type HttpEvent, type HttpResult } from '../shared/ack/handle';
import { ackDeps, ackEnvironment } from '../shared/run/ack-deps';
import { logger } from '../shared/run/logger';

export function createAckHandler(deps: () => AckDeps, log = logger) {
  return middy(async (event: HttpEvent): Promise<HttpResult> => {
    try {
      return await handleAckRequest(event, deps());
    } catch (e) {
      // Logged for the operator; the caller learns nothing (Slack and PagerDuty only need a non-2xx).
      log.error('acknowledge failed', { error: e instanceof Error ? e.message : String(e) });
      return { statusCode: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal error' };
    }
  }).use(injectLambdaContext(log, { logEvent: false }));
}

export const handler = createAckHandler(() => ackDeps({ ...ackEnvironment(), log: logger }));
