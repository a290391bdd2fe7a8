// serverless.yml reads this (`${file(./scripts/ack-secrets.js):arns}`): the SSM parameters the ack
// function reads — rules.yml's ack.slack_signing_secret and ack.pagerduty_webhook_secret when they
// are { ssm: NAME } — as exact parameter ARNs, so its role cannot read the receivers' webhook URLs
// and routing keys kept under the same prefix. With none, one name that no parameter has (an IAM
// statement needs a resource; the ack function then reads no SSM parameter).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

const NONE = '/bedrock-watch-ack-reads-no-parameter';

function ackSecretNames(file = process.env.RULES_FILE || join(__dirname, '..', 'rules.yml')) {
  const doc = parse(readFileSync(file, 'utf8')) || {};
  const ack = (doc && doc.ack) || {};
  const names = ['slack_signing_secret', 'pagerduty_webhook_secret'].map((k) => ack[k] && ack[k].ssm).filter((n) => typeof n === 'string' && n);
  return [...new Set(names)];
}

/** `arn:…:parameter/name` (a name without the leading slash gets one, as SSM's ARNs do). */
const arnOf = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name.startsWith('/') ? '' : '/'}${name}` });

module.exports = async () => {
  const names = ackSecretNames();
  return { arns: (names.length ? names : [NONE]).map(arnOf) };
};
module.exports.ackSecretNames = ackSecretNames;
