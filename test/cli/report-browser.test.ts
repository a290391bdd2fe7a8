/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The report in a real browser: headless Chromium opens out/report.html from a replay of the sample's
 * busiest hours, with no network, and must draw one set of charts per model with no console error.
 * Leaves out/report.html and out/report.png (a screenshot) behind.
 * Without Chromium the test fails under CI=true and is skipped, loudly, elsewhere.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { renderReport } from '../../shared/cli/report';
import { ObservationLog } from '../../shared/local/observations';
import { replay } from '../../shared/local/replay-run';
import { loadRulesFile } from '../../shared/rules/load';
import { loadMetricTrace } from '../../shared/sources/trace';
import { CHROMIUM_ARGS, findChromium } from '../support/chromium';
import { sampleFile } from '../support/trace';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'out');
const chromium = findChromium();
if (!chromium && process.env.CI !== 'true') {
  // eslint-disable-next-line no-console
  console.warn('\n\n*** report-browser.test: NO CHROMIUM FOUND — the browser test of the report is SKIPPED. Run scripts/ensure-chromium.sh. ***\n\n');
}
const browserIt = chromium || process.env.CI === 'true' ? it : it.skip;

describe('the report in headless Chromium', () => {
  browserIt(
    'renders one chart set per model, with rule charts, alerts and message previews, without console errors or network',
    async () => {
      if (!chromium) throw new Error('no headless Chromium on the PATH (CI=true): run scripts/ensure-chromium.sh');
      const config = loadRulesFile(join(ROOT, 'rules.yml'));
      const trace = loadMetricTrace(sampleFile('sample-metrics.jsonl.gz'));
      const observations = new ObservationLog();
      // 07:00–18:00 on the first incident day: the throttle storm and the server errors.
      const result = await replay({ config, metrics: trace, from: Date.parse('2026-10-05T07:00:00Z'), to: Date.parse('2026-10-05T18:00:00Z'), store: 'memory', onObservation: observations.listen });
      expect(result.episodes.filter((e) => !e.suppressedBy).length).toBeGreaterThan(0);
      const html = renderReport({ result, trace, config, title: 'bedrock-watch report (browser test)', observations });
      mkdirSync(OUT, { recursive: true });
      const file = join(OUT, 'report.html');
      writeFileSync(file, html);

      const browser = await puppeteer.launch({ executablePath: chromium, headless: 'shell', args: CHROMIUM_ARGS, defaultViewport: { width: 1280, height: 2000 } });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
        await page.setRequestInterception(true);
        page.on('request', (r) => {
          if (r.url().startsWith('file:')) return void r.continue();
          problems.push(`network request: ${r.url()}`);
          void r.abort();
        });
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        await page.waitForSelector('body[data-charts-ready]', { timeout: 30_000 });
        const seen = await page.evaluate(() => ({
          models: [...document.querySelectorAll('section.model')].map((s) => ({
            model: s.getAttribute('data-model'),
            charts: s.querySelectorAll('.uplot').length,
            canvases: [...s.querySelectorAll('.uplot canvas')].filter((c) => (c as HTMLCanvasElement).width > 0).length,
            titles: [...s.querySelectorAll('.uplot .u-title')].map((t) => t.textContent),
          })),
          alertRows: document.querySelectorAll('table.alerts tbody tr').length,
          alertTables: document.querySelectorAll('table.alerts').length,
          previews: [...document.querySelectorAll('details.preview')].map((d) => d.getAttribute('data-type')),
        }));
        expect(problems).toEqual([]);
        const models = Object.keys(trace.series).sort();
        expect(seen.models.map((m) => m.model)).toEqual(models);
        for (const m of seen.models) {
          // Invocations, then what the rules judged (throttles, errors, latency, …).
          expect(m.charts).toBeGreaterThanOrEqual(4);
          expect(m.canvases).toBe(m.charts);
          expect(m.titles[0]).toMatch(/^Invocations per minute/);
          expect(m.titles).toEqual(expect.arrayContaining([expect.stringMatching(/^bedrock-throttles:/), expect.stringMatching(/^bedrock-latency-p95:/)]));
        }
        expect(seen.alertRows).toBe(result.episodes.length);
        expect(seen.alertTables).toBeGreaterThan(0);
        expect(new Set(seen.previews)).toEqual(new Set(['slack', 'pagerduty', 'sns']));
        // The rendered Slack preview carries the message's own words.
        const first = result.captured.find((c) => c.type === 'slack')!;
        await page.evaluate(() => document.querySelectorAll('details.preview').forEach((d) => ((d as HTMLDetailsElement).open = true)));
        const slackTexts = await page.$$eval('details.preview[data-type="slack"] .msg', (es) => es.map((e) => e.textContent ?? ''));
        expect(slackTexts.some((t) => t.includes(first.notification.alert.summary))).toBe(true);
        await page.evaluate(() => document.querySelectorAll('details.preview').forEach((d) => ((d as HTMLDetailsElement).open = false)));
        await page.screenshot({ path: join(OUT, 'report.png'), clip: { x: 0, y: 0, width: 1280, height: 2000 } });
        // The worst case of a real report: an inference-profile ARN as the model and a long value, unbroken.
        await page.evaluate(() =>
          document.querySelectorAll<HTMLTableRowElement>('table.alerts tbody tr:first-child').forEach((tr) => {
            tr.querySelectorAll('td').forEach((td, i) => {
              if (i === 0) td.textContent = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl0123456789';
              if (i === tr.cells.length - 2) td.textContent = 'x'.repeat(240);
            });
          }),
        );
        const fit = await page.evaluate(() => ({
          // Every alerts table within its section at 1280 px: the last column (receivers) in view.
          overflowing: [...document.querySelectorAll('table.alerts')].filter((t) => {
            const last = t.querySelector('thead th:last-child')!.getBoundingClientRect();
            return t.getBoundingClientRect().right > t.parentElement!.getBoundingClientRect().right + 1 || last.right > window.innerWidth;
          }).length,
          pageWidth: document.documentElement.scrollWidth,
        }));
        expect(fit).toEqual({ overflowing: 0, pageWidth: 1280 });

      } finally {
        await browser.close();
      }
    },
    180_000,
  );
});
