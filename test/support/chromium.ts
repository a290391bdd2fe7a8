/** A local headless Chromium for the report's browser test (scripts/chromium.js; scripts/ensure-chromium.sh installs one). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const chromium = require('../../scripts/chromium') as { findChromium(): string | null; CHROMIUM_ARGS: string[] };

export const findChromium = chromium.findChromium;
export const CHROMIUM_ARGS = chromium.CHROMIUM_ARGS;
