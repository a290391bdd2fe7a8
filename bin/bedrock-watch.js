#!/usr/bin/env node
// bedrock-watch CLI: runs shared/cli/main.ts through tsx, so no build step is needed.
'use strict';

// The AWS SDK warns once that its 2027 releases will need Node 22; on the Node 20 used here
// that is noise on every command. Drop that warning only; every other warning still prints.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const text = typeof warning === 'string' ? warning : warning && warning.message;
  const name = warning && typeof warning === 'object' ? warning.name : typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (name === 'NodeVersionSupportWarning' || (typeof text === 'string' && text.startsWith('NodeVersionSupportWarning'))) return;
  return emitWarning.call(process, warning, ...rest);
};

// Output piped into a reader that stops early (`| head`, `| less` quit) closes stdout: stop
// quietly as other Unix tools do, instead of an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

require('tsx/cjs');
const { main } = require('../shared/cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  // Last resort (main reports its own errors): one line; the stack only with BEDROCK_WATCH_DEBUG=1.
  (err) => {
    if (process.env.BEDROCK_WATCH_DEBUG === '1') console.error(err && err.stack ? err.stack : String(err));
    else console.error(`bedrock-watch: ${String((err && err.message) || err).split('\n')[0]} (set BEDROCK_WATCH_DEBUG=1 for the stack trace)`);
    process.exitCode = 1;
  },
);
