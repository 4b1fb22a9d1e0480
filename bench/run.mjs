// `npm run bench`: builds, serves on localhost, and measures in Debian's Chromium. Writes bench/results/*.json and the
// tables in BENCHMARKS.md. Usage: node bench/run.mjs [foundation ...] (default: every benchmark).
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { chromium } from 'playwright-core';
import { ROOT, serve } from '../scripts/serve.mjs';
import { loaderSizes } from '../scripts/size.mjs';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const which = process.argv.slice(2);
const wanted = (name) => which.length === 0 || which.includes(name);

execSync('bash scripts/ensure-chromium.sh', { cwd: ROOT, stdio: 'inherit' });
execSync('npx vite build --logLevel warn && npx vite build --mode worker --logLevel warn && npx vite build --mode embed --logLevel warn', { cwd: ROOT, stdio: 'inherit' });
mkdirSync(`${ROOT}/bench/results`, { recursive: true });
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${execSync('/usr/bin/chromium --version', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()}`;

/** Replaces the block between <!-- NAME:start --> and <!-- NAME:end --> in BENCHMARKS.md. */
function writeTable(name, markdown) {
  const path = `${ROOT}/BENCHMARKS.md`;
  const text = readFileSync(path, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`BENCHMARKS.md has no ${start} … ${end} block`);
  writeFileSync(path, `${text.slice(0, i + start.length)}\n${markdown.trim()}\n${text.slice(j)}`);
}

const server = await serve({ isolated: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
try {
  if (wanted('foundation')) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/bench/foundation.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const result = await page.evaluate(() => window.runFoundationBench());
    const { loader_gzip_bytes } = loaderSizes();
    const figures = {
      track_main_thread_us_p50: Number(result.track_main_thread_us_p50.toFixed(2)),
      track_events_per_s: Math.round(result.track_events_per_s),
      naive_events_per_s: Math.round(result.naive_events_per_s),
      loader_gzip_bytes,
      ratio_vs_naive: Number((result.track_events_per_s / result.naive_events_per_s).toFixed(1)),
      measured: { at: new Date().toISOString(), machine, crossOriginIsolated: result.crossOriginIsolated, samples: result.samples },
    };
    writeFileSync(`${ROOT}/bench/results/foundation.json`, JSON.stringify(figures, null, 2) + '\n');
    console.log(figures);
    const ok = (v, t) => (v ? `✅ ${t}` : `❌ ${t}`);
    writeTable(
      'foundation',
      `Measured ${figures.measured.at.slice(0, 10)} on ${machine}; medians of 3 runs in one page load.

| figure | value | target |
|---|---:|---|
| main-thread time per \`track()\` (median of 50 bursts of 200 calls, hand-over to the worker included) | ${figures.track_main_thread_us_p50} µs | ${ok(figures.track_main_thread_us_p50 <= 20, '≤ 20 µs')} |
| sustained events/s into IndexedDB (20,000 events tracked in bursts of 500, until the last is durable) | ${figures.track_events_per_s.toLocaleString('en')} | ${ok(figures.track_events_per_s >= 20000, '≥ 20,000')} |
| naive baseline: one transaction per event, from the page (5,000 events) | ${figures.naive_events_per_s.toLocaleString('en')} | |
| edgereco ÷ naive | ${figures.ratio_vs_naive}× | ${ok(figures.ratio_vs_naive >= 10, '≥ 10×')} |
| script-tag loader, gzipped (everything the page loads before the worker) | ${figures.loader_gzip_bytes.toLocaleString('en')} B | ${ok(figures.loader_gzip_bytes <= 6144, '≤ 6 KB')} |`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
