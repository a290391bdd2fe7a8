// The CloudWatch dashboard body for serverless.yml: `${file(./scripts/dashboard.js):body}`.
// Built by shared/deploy/dashboard.ts (loaded through tsx, as the CLI is) from the stage, the
// region, the functions and the list prices; the test builds the same body from the same code.
'use strict';

module.exports.body = async ({ resolveVariable }) => {
  require('tsx/cjs');
  const { dashboardBody, pricedModels } = require('../shared/deploy/dashboard.ts');
  const prices = require('../shared/pricing/prices.json').models;
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const region = await resolveVariable('self:provider.region');
  const serviceName = await resolveVariable('self:provider.environment.POWERTOOLS_SERVICE_NAME');
  const listed = String((await resolveVariable('param:dashboardModels')) || '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const functions = Object.fromEntries(
    Object.keys(await resolveVariable('self:functions')).map((f) => [f, `${service}-${stage}-${f}`]),
  );
  return dashboardBody({
    region,
    stage,
    service: serviceName,
    functions,
    failedQueueName: `${service}-${stage}-failed-invocations`,
    priced: pricedModels(listed.length ? listed : Object.keys(prices), prices),
  });
};
