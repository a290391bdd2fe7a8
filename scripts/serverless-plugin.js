// bedrock-watch's serverless plugin (serverless.yml `plugins`, listed before serverless-esbuild).
//
// 1. Validates the rules
// file before anything is bundled, so `sls package` and `sls deploy` (osls or Serverless v4) stop on
// an invalid rules.yml at once, with its file:line:col problems printed once, and exit 1, as
// `npm run package` does. The SSM prefix checked is the stage's (param ssmPrefix, resolved into the
// functions' SSM_PREFIX). The compiled rules are then reused by the esbuild plugin of every bundle
// (scripts/esbuild-plugins.js).
//
// 2. Folds the CloudFormation conditions the params already decided (scripts/static-conditions.js)
// before the template is written, so it holds exactly what is deployed and passes cfn-lint.
'use strict';

const { compileRules, rulesFile, RulesFileError } = require('./esbuild-plugins');
const { foldStaticConditions } = require('./static-conditions');

class BedrockWatchRules {
  constructor(serverless) {
    this.serverless = serverless;
    const check = () => this.check();
    this.hooks = {
      // `sls package`, and `sls deploy` without --package (it runs the package lifecycle first).
      'before:package:initialize': check,
      // `sls deploy function -f <name>` bundles one function.
      'before:deploy:function:initialize': check,
      'before:invoke:local:invoke': check,
      // After the resources of serverless.yml are merged in, before the template is saved.
      'before:aws:package:finalize:saveServiceState': () => {
        foldStaticConditions(this.serverless.service.provider.compiledCloudFormationTemplate);
      },
    };
  }

  check() {
    const prefix = this.serverless.service.provider?.environment?.SSM_PREFIX;
    if (typeof prefix === 'string' && prefix && !process.env.SSM_PREFIX) process.env.SSM_PREFIX = prefix;
    try {
      compileRules(rulesFile());
    } catch (e) {
      if (!(e instanceof RulesFileError)) throw e;
      // A ServerlessError is printed as the message alone (no stack) and exits 1.
      throw new this.serverless.classes.Error(e.message, 'BEDROCK_WATCH_INVALID_RULES');
    }
  }
}

module.exports = BedrockWatchRules;
