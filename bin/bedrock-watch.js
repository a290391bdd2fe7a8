#!/usr/bin/env node
// bedrock-watch CLI: runs shared/cli/main.ts. No build step to remember: the first run after the
// sources change bundles them with esbuild (about a second) into node_modules/.cache/bedrock-watch,
// and later runs load that bundle, a sixth faster on a backtest than the sources through tsx
// (`npm run bench`). BEDROCK_WATCH_TSX=1 runs the sources through tsx instead; so does a checkout
// where esbuild cannot build (the reason is printed with BEDROCK_WATCH_DEBUG=1).
'use strict';

const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** Bundles of this many source versions stay cached (switching branches back and forth rebuilds nothing). */
const KEEP_BUNDLES = 4;
/** The folders whose files the bundle holds, all hashed into its name. */
const BUNDLED_DIRS = ['shared', 'functions'];

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

const { main } = require(cliModule());

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

/** The module to run: the bundle of the current sources (built here when missing), else the sources through tsx. */
function cliModule() {
  const sources = () => {
    require('tsx/cjs');
    return path.join(__dirname, '..', 'shared', 'cli', 'main.ts');
  };
  if (process.env.BEDROCK_WATCH_TSX === '1') return sources();
  try {
    const bundle = bundled(path.join(__dirname, '..'));
    // Stack traces name the .ts lines only when asked for (source maps slow every stack trace made).
    if (process.env.BEDROCK_WATCH_DEBUG === '1') process.setSourceMapsEnabled(true);
    return bundle;
  } catch (e) {
    if (process.env.BEDROCK_WATCH_DEBUG === '1') console.error(`bedrock-watch: running the sources through tsx: cannot bundle them (${e && e.message})`);
    return sources();
  }
}

/**
 * The bundle of shared/cli/main.ts for these exact sources (every file of shared/ and functions/, the
 * esbuild version and this script hash into its name), built when absent. Written to a temporary name
 * and renamed, so processes starting together (parallel tests) never load a half-written bundle.
 */
function bundled(root) {
  const esbuild = require('esbuild');
  const hash = createHash('sha256').update(`${esbuild.version}\0${root}\0`).update(readFileSync(__filename));
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(ts|js|json)$/.test(entry.name)) files.push(file);
    }
  };
  // Every module the bundle holds is in these folders (test/cli/launcher.test.ts checks esbuild's list).
  for (const dir of BUNDLED_DIRS) walk(path.join(root, dir));
  for (const file of files) hash.update(`${path.relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  const cache = path.join(root, 'node_modules', '.cache', 'bedrock-watch');
  const out = path.join(cache, `cli-${hash.digest('hex').slice(0, 20)}.js`);
  if (existsSync(out)) return out;
  mkdirSync(cache, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp.js`;
  esbuild.buildSync({
    entryPoints: [path.join(root, 'shared', 'cli', 'main.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Packages load from node_modules as before; only the project's own modules are bundled.
    packages: 'external',
    // shared/cli/root.ts is the one module reading __dirname (architecture test): its folder, as from the sources.
    define: { __dirname: JSON.stringify(path.join(root, 'shared', 'cli')) },
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  renameSync(`${tmp}.map`, `${out}.map`);
  // The map is linked by name: point the bundle at its final one.
  const code = readFileSync(tmp, 'utf8').replace(/\/\/# sourceMappingURL=.*\n?$/, `//# sourceMappingURL=${path.basename(out)}.map\n`);
  writeFileSync(tmp, code);
  renameSync(tmp, out);
  // The bundles of the last few versions stay (switching branches back and forth rebuilds nothing); older ones go.
  const bundles = readdirSync(cache).filter((f) => /^cli-[0-9a-f]+\.js$/.test(f)).map((f) => ({ f, at: statSync(path.join(cache, f)).mtimeMs })).sort((a, b) => b.at - a.at);
  for (const { f } of bundles.slice(KEEP_BUNDLES)) for (const file of [f, `${f}.map`]) rmSync(path.join(cache, file), { force: true });
  // A build cut short (the process killed) leaves its temporary files: gone once surely abandoned.
  for (const f of readdirSync(cache)) if (f.includes('.tmp.js') && Date.now() - statSync(path.join(cache, f)).mtimeMs > 10 * 60_000) rmSync(path.join(cache, f), { force: true });
  return out;
}
