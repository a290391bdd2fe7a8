// esbuild plugins for the Lambda bundles, used by serverless-esbuild (serverless.yml
// custom.esbuild.plugins), so they apply to `sls package` and `sls deploy` alike, and by
// scripts/bundle-report.js.
//
// packaged-rules: shared/run/packaged-rules.ts becomes the rules file compiled at build time
// (validated with the zod schema, units converted, defaults applied) as JSON: zod and yaml leave
// the bundles, and a bad rules file fails the build with file:line:col. The rules file is
// BEDROCK_WATCH_RULES or rules.yml next to serverless.yml.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** The rules file packaged: BEDROCK_WATCH_RULES or rules.yml next to serverless.yml. */
function rulesFile() {
  return path.resolve(root, process.env.BEDROCK_WATCH_RULES || 'rules.yml');
}

/** Named as the user knows it: relative to the project when inside it (`rules.yml:9:13: …`). */
function shown(file) {
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

class RulesFileError extends Error {}

// One compilation per file and SSM prefix per process: the serverless plugin
// (scripts/serverless-plugin.js) compiles before any bundling, the esbuild plugin of each of
// the five bundles then reuses the result, a failure included (reported once, not per bundle).
const cache = new Map();

/** rules.yml → JSON text through the zod schema (tsx runs the TypeScript), or throws the problems (file:line:col). */
function compileRules(file = rulesFile()) {
  const key = `${file}\0${process.env.SSM_PREFIX || ''}`;
  if (!cache.has(key)) {
    const r = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(root, 'shared', 'rules', 'compile.ts'), shown(file)], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
    cache.set(key, r.status === 0 ? { json: r.stdout } : { error: `invalid rules file, nothing packaged:\n${(r.stderr || r.stdout || `exit ${r.status}`).trim()}` });
  }
  const c = cache.get(key);
  if (c.error) throw new RulesFileError(c.error);
  return c.json;
}

const packagedRules = {
  name: 'bedrock-watch-packaged-rules',
  setup(build) {
    const file = rulesFile();
    build.onLoad({ filter: /[\\/]shared[\\/]run[\\/]packaged-rules\.ts$/ }, () => {
      let compiled;
      try {
        compiled = compileRules(file);
      } catch (e) {
        return { errors: [{ text: e.message, location: { file: path.relative(root, file) } }] };
      }
      return {
        // JSON.parse of a string literal starts faster than an object literal of the same size.
        contents: `export function packagedRules() { return JSON.parse(${JSON.stringify(compiled)}); }\n`,
        loader: 'js',
        watchFiles: [file],
      };
    });
  },
};

// lambda-credentials: every AWS SDK client resolves credentials through
// @aws-sdk/credential-provider-node's chain (env, SSO, ini files, web identity, process, IMDS…),
// which bundles the SSO/STS nested clients. In Lambda the execution role's credentials are always
// in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the bundles
// resolve them from there only.
const lambdaCredentials = {
  name: 'bedrock-watch-lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: 'lambda-credentials', namespace: 'bedrock-watch' }));
    build.onLoad({ filter: /^lambda-credentials$/, namespace: 'bedrock-watch' }, () => ({
      contents: "export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';\n",
      loader: 'js',
      resolveDir: root,
    }));
  },
};

// lambda-ssm: secrets are read with one signed SSM GetParameter (shared/notify/ssm-get.ts) rather
// than Powertools' parameters and the SSM client, whose schema of every SSM operation was the
// largest part of evaluate's bundle (77 KB minified) and cold start. Same cache (maxAge,
// forceFetch) and error names; the source and its tests keep Powertools.
const lambdaSsm = {
  name: 'bedrock-watch-lambda-ssm',
  setup(build) {
    build.onResolve({ filter: /^@aws-lambda-powertools\/parameters\/ssm$/ }, () => ({ path: path.join(root, 'shared', 'notify', 'ssm-get.ts') }));
  },
};

// lambda-query-clients: SNS Publish and STS AssumeRole go through small query-protocol clients
// (shared/aws/sns.ts, sts.ts over shared/aws/query.ts: a signed form POST, the answer's XML read
// for the fields used, the SDK's error names and standard retries) instead of
// @aws-sdk/client-sns and client-sts, whose schemas and query/XML protocol code weighed on every
// bundle that publishes or assumes a role. Only the project's own imports are redirected (a
// package in node_modules keeps the SDK); the source and its tests keep the SDK clients, and
// test/aws/query-clients.test.ts holds both to the same requests, answers and errors.
const QUERY_CLIENTS = { '@aws-sdk/client-sns': 'sns.ts', '@aws-sdk/client-sts': 'sts.ts' };
const lambdaQueryClients = {
  name: 'bedrock-watch-lambda-query-clients',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-(sns|sts)$/ }, (args) => {
      if (!args.importer || /[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(root, 'shared', 'aws', QUERY_CLIENTS[args.path]) };
    });
  },
};

module.exports = [packagedRules, lambdaCredentials, lambdaSsm, lambdaQueryClients];
module.exports.compileRules = compileRules;
module.exports.rulesFile = rulesFile;
module.exports.RulesFileError = RulesFileError;
