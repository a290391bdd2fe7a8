#!/usr/bin/env node
// Package the service offline: `sls package` (osls) with dummy credentials, no telemetry,
// no notifications, no update checks, so it runs without an AWS account or network.
// The CloudFormation template and the per-function zips land in .serverless/.
//
// Usage: node scripts/package.js [--stage <stage>] [any other sls package args...]
// Note: osls empties ./.serverless on every package run, even with `--package <dir>`.
//        npm run package -- --stage prod --param 'invocationLogGroup=/aws/bedrock/modelinvocations'
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'sls.cmd' : 'sls');

if (!fs.existsSync(bin)) {
  console.error(`package: ${path.relative(root, bin)} not found; run \`npm ci\` first (devDependency "osls").`);
  process.exit(1);
}

const args = process.argv.slice(2);

// The packaged rules.yml is what every function loads at start: refuse to ship one that `validate`
// rejects, with its file:line:col errors, before any bundling. The SSM prefix checked is the
// stage's (`--param ssmPrefix=…`) when given.
const prefixArg = args.map((a, i) => (a === '--param' ? args[i + 1] : a.startsWith('--param=') ? a.slice(8) : '')).find((p) => p && p.startsWith('ssmPrefix='));
const check = spawnSync(process.execPath, [path.join(root, 'bin', 'bedrock-watch.js'), 'validate', 'rules.yml'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...(prefixArg ? { SSM_PREFIX: prefixArg.slice('ssmPrefix='.length) } : {}) },
});
if (check.status !== 0) {
  console.error('package: rules.yml is invalid (see above); nothing was packaged');
  process.exit(1);
}
const hasStage = args.some((a) => a === '--stage' || a === '-s' || a.startsWith('--stage='));
const stage = process.env.STAGE || 'dev';
const slsArgs = ['package', ...(hasStage ? [] : ['--stage', stage]), ...args];

const env = { ...process.env };
// Never pick up a real profile, session or config file: the packaging step must not
// depend on (or reach) an AWS account.
for (const k of [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_SDK_LOAD_CONFIG',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
]) {
  delete env[k];
}
Object.assign(env, {
  AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLYDUMMY',
  AWS_SECRET_ACCESS_KEY: 'package-only-dummy-secret',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: path.join(root, '.serverless', 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(root, '.serverless', 'no-aws-credentials'),
  SLS_TELEMETRY_DISABLED: '1',
  SLS_TRACKING_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  SLS_DEPRECATION_DISABLE: '*',
  SLS_INTERACTIVE_SETUP_DISABLE: '1',
  CI: env.CI || '1',
});

const started = Date.now();
const child = spawn(bin, slsArgs, { cwd: root, env, stdio: 'inherit' });
child.on('error', (err) => {
  console.error(`package: cannot start sls: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    console.error(`package: sls killed by ${signal}`);
    process.exit(1);
  }
  if (code === 0) console.error(`package: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code ?? 1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
