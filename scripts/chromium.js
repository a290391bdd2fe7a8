// A local headless Chromium (scripts/ensure-chromium.sh installs one): for the report's browser
// test and `npm run screenshots`.
'use strict';

const { existsSync } = require('node:fs');
const { delimiter, join } = require('node:path');

const NAMES = ['chromium-headless-shell', 'chromium', 'chromium-browser'];

function findChromium() {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    for (const name of NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return null;
}

/** The flags TOOLCHAIN.md gives for this machine: no sandbox (root in a container), nothing from the network. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'];

module.exports = { findChromium, CHROMIUM_ARGS };
