#!/usr/bin/env node
// What each Lambda bundle is made of: builds every function with the esbuild settings of
// serverless.yml (custom.esbuild, its plugins included) and prints the bytes each package adds,
// from esbuild's metafile. Also writes .build/<function>-meta.json (drop it on esbuild.github.io/analyze).
//
// Usage: node scripts/bundle-report.js [function...]
'use strict';

const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const FUNCTIONS = ['evaluate', 'baseline', 'digest', 'ingest'];

/** The same options serverless-esbuild passes (see serverless.yml custom.esbuild). */
function options(fn, outdir) {
  return {
    entryPoints: [path.join(root, 'functions', `${fn}.ts`)],
    outfile: path.join(outdir, `${fn}.js`),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    treeShaking: true,
    metafile: true,
    logLevel: 'error',
    plugins: require('./esbuild-plugins.js'),
  };
}

/** Output bytes per package (node_modules/<pkg>) or per first-level folder of the repo. */
function byPackage(metafile) {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const out = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(file);
    const key = m ? m[1] : file.split('/').slice(0, 2).join('/');
    out.set(key, (out.get(key) || 0) + bytesInOutput);
  }
  return [...out].sort((a, b) => b[1] - a[1]);
}

async function main() {
  const outdir = path.join(root, '.build');
  fs.mkdirSync(outdir, { recursive: true });
  const fns = process.argv.slice(2).length ? process.argv.slice(2) : FUNCTIONS;
  for (const fn of fns) {
    const r = await esbuild.build(options(fn, outdir));
    fs.writeFileSync(path.join(outdir, `${fn}-meta.json`), JSON.stringify(r.metafile));
    const parts = byPackage(r.metafile);
    const total = parts.reduce((s, [, b]) => s + b, 0);
    console.log(`${fn}: ${(total / 1024).toFixed(0)} KB`);
    for (const [pkg, bytes] of parts.slice(0, 12)) console.log(`  ${(bytes / 1024).toFixed(1).padStart(7)} KB  ${pkg}`);
  }
}

if (require.main === module) main().catch((e) => {
  console.error(`bundle-report: ${e.message}`);
  process.exitCode = 1;
});
module.exports = { options, byPackage };
