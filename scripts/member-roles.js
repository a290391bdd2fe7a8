// serverless.yml reads this (`${file(./scripts/member-roles.js):csv}`): the member-account role ARNs
// that rules.yml's settings.accounts assume, so evaluate may assume exactly those roles and no other.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

function memberRoleArns(file = process.env.RULES_FILE || join(__dirname, '..', 'rules.yml')) {
  const doc = parse(readFileSync(file, 'utf8')) || {};
  const accounts = (doc.settings && doc.settings.accounts) || [];
  return [...new Set(accounts.map((a) => a && a.role_arn).filter((arn) => typeof arn === 'string'))];
}

module.exports = async () => ({ csv: memberRoleArns().join(',') });
module.exports.memberRoleArns = memberRoleArns;
