// A/B of two builds of the package in one Chromium, for changes to the after-event latency that a single
// `npm run bench model` cannot tell from the machine's noise (issue 19). Usage:
//   node bench/ab-worker.mjs DIST_A DIST_B [runs=10] [calls=200]
// DIST_A and DIST_B are copies of `dist/` after `npx vite build && npx vite build --mode worker` at the two revisions,
// under the repository (they are served from it), e.g. bench/tmp/distA. Each run opens bench/model.html's page in a
// fresh browser context with one build (the two alternate, A first in even runs), makes 200 same-history then 200
// after-event `recommend({ k: 10 })` calls, and closes it. AB_DEDICATED=1 runs B's page without SharedWorker (a
// dedicated worker), to compare the two kinds of engine with the same build. Prints medians over all calls.
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ROOT, serve } from '../scripts/serve.mjs';

const [distA, distB] = process.argv.slice(2, 4);
if (!distA || !distB) throw new Error('usage: node bench/ab-worker.mjs DIST_A DIST_B [runs] [calls]');
const runs = Number(process.argv[4] ?? 10);
const calls = Number(process.argv[5] ?? 200);
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const modelDir = process.env.BENCH_MODEL ?? 'models/games-defaults';
const manifest = JSON.parse(readFileSync(`${ROOT}/${modelDir}/manifest.json`, 'utf8'));
let vocabulary = manifest.vocabulary;
if (!vocabulary) {
  const bytes = readFileSync(`${ROOT}/${modelDir}/${manifest.vocabularyFile}`);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  vocabulary = Array.from(manifest.vocabularyDtype === 'uint16' ? new Uint16Array(buffer) : new Uint32Array(buffer), String);
}
const html = readFileSync(`${ROOT}/bench/model.html`, 'utf8');
const pages = {};
for (const [name, dist] of [['A', distA], ['B', distB]]) {
  let page = html.replace("'/dist/edgereco.js'", `'/${dist.replace(/^\/+|\/+$/g, '')}/edgereco.js'`).replace('bench-model-${', `bench-model-${name}-\${`);
  if (name === 'B' && process.env.AB_DEDICATED) page = page.replace('<script type="module">', '<script>delete window.SharedWorker;</script><script type="module">');
  pages[name] = `bench/tmp/ab-${name}.html`;
  writeFileSync(`${ROOT}/${pages[name]}`, page);
}
const server = await serve({ isolated: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
const history = vocabulary.slice(100, 110).join(',');
const newItems = vocabulary.slice(200, 400);
const after = { A: [], B: [] };
const same = { A: [], B: [] };
const perRun = { A: [], B: [] };
const quantile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
try {
  for (let r = 0; r < runs; r++) {
    for (const name of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/${pages[name]}?backend=wasm&model=/${modelDir}/manifest.json&history=${history}`);
      await page.waitForFunction(() => window.benchReady === true, null, { timeout: 300_000 });
      await page.reload(); // a returning visitor, as the model bench measures
      await page.waitForFunction(() => window.benchReady === true, null, { timeout: 300_000 });
      same[name].push(...(await page.evaluate((n) => window.warm(n), calls)));
      const times = await page.evaluate(([n, items]) => window.warmAfterEvent(n, items), [calls, newItems]);
      after[name].push(...times);
      perRun[name].push(quantile(times, 0.5));
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
for (const name of ['A', 'B']) {
  console.log(`${name} (${name === 'A' ? distA : distB}${name === 'B' && process.env.AB_DEDICATED ? ', dedicated worker' : ''}): after-event p50 ${quantile(after[name], 0.5).toFixed(2)} ms, p99 ${quantile(after[name], 0.99).toFixed(2)} ms; same-history p50 ${quantile(same[name], 0.5).toFixed(2)} ms; per-run after-event medians ${perRun[name].map((x) => x.toFixed(2)).join(' ')}`);
}
