#!/usr/bin/env node
// `npm test`: typecheck (fail fast), then jest with its normal console output and a JSON result
// file (out/jest-results.json); the last line is always "N passed, N failed[, N skipped]".
// Extra arguments go to jest: npm test -- test/cli
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const resultsFile = path.join(root, 'out', 'jest-results.json');
const ci = process.env.CI === 'true' || process.env.CI === '1';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) console.error(`${cmd}: ${r.error.message}`);
  return r.status === null ? 1 : r.status;
}

console.error('> tsc --noEmit -p .');
const tsc = run('npx', ['tsc', '--noEmit', '-p', '.']);
if (tsc !== 0) {
  console.error('typecheck failed: fix the errors above (tests not run)');
  process.exit(tsc);
}

fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const jestBin = require.resolve('jest/bin/jest', { paths: [root] });
const jestArgs = ['--json', `--outputFile=${path.relative(root, resultsFile)}`, ...(ci ? ['--ci'] : []), ...process.argv.slice(2)];
console.error(`> jest ${jestArgs.join(' ')}`);
const status = run(process.execPath, [jestBin, ...jestArgs]);

let results = null;
try {
  results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
} catch {
  // no results file: jest crashed before reporting
}
if (!results) {
  console.error(`jest crashed (exit code ${status}) without writing ${path.relative(root, resultsFile)}`);
  console.log('0 passed, 0 failed');
  process.exit(status || 1);
}

const { numPassedTests = 0, numFailedTests = 0, numPendingTests = 0, numRuntimeErrorTestSuites = 0 } = results;
if (numRuntimeErrorTestSuites > 0) console.error(`${numRuntimeErrorTestSuites} test suite(s) failed to run`);
console.log(`${numPassedTests} passed, ${numFailedTests} failed${numPendingTests > 0 ? `, ${numPendingTests} skipped` : ''}`);
const failed = status !== 0 || numFailedTests > 0 || numRuntimeErrorTestSuites > 0 || results.success === false;
process.exit(failed ? status || 1 : 0);
