#!/usr/bin/env node
// `npm run screenshots`: the README's pictures, taken from the report the demo writes
// (out/report.html: run `npm start` first) in headless Chromium (scripts/ensure-chromium.sh):
//   docs/report.png         the first model with alerts, zoomed to them
//   docs/slack-message.png  the first Slack message preview, as the notifier built it
'use strict';

const { existsSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { CHROMIUM_ARGS, findChromium } = require('./chromium');

const root = join(__dirname, '..');
const report = join(root, process.argv[2] || join('out', 'report.html'));

async function main() {
  if (!existsSync(report)) throw new Error(`${report} is missing: run \`npm start\` first`);
  const chromium = findChromium();
  if (!chromium) throw new Error('no headless Chromium on the PATH: run scripts/ensure-chromium.sh');
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: chromium, headless: 'shell', args: CHROMIUM_ARGS, defaultViewport: { width: 1100, height: 1400, deviceScaleFactor: 1 } });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-charts-ready]', { timeout: 60_000 });
    mkdirSync(join(root, 'docs'), { recursive: true });

    const sections = await page.$$('section.model');
    let shot = null;
    for (const s of sections) {
      const fired = await s.$eval('p.tools .muted', (e) => !/^no alerts/.test(e.textContent || ''));
      if (!fired) continue;
      const zoom = await s.$('button.zoom');
      if (zoom) await zoom.click();
      shot = s;
      break;
    }
    if (!shot) throw new Error(`${report}: no model with alerts to show`);
    await new Promise((r) => setTimeout(r, 300));
    await shot.screenshot({ path: join(root, 'docs', 'report.png') });

    const slack = await page.$('details.preview[data-type="slack"]');
    if (!slack) throw new Error(`${report}: no Slack message preview`);
    await slack.evaluate((d) => d.setAttribute('open', ''));
    const msg = await slack.$('.msg.slack');
    await msg.screenshot({ path: join(root, 'docs', 'slack-message.png') });
    console.log('wrote docs/report.png and docs/slack-message.png');
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`screenshots: ${e.message}`);
  process.exit(1);
});
