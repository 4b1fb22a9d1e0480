// A/B of two builds of the package in one Chromium, for changes to the after-event latency that a single
// `npm run bench model` cannot tell from the machine's noise (issue 19). Usage:
//   node bench/ab-worker.mjs DIST_A DIST_B [runs=10] [calls=200]
// DIST_A and DIST_B are copies of `dist/` after `npx vite build && npx vite build --mode worker` at the two revisions,
// under the repository (they are served from it), e.g. bench/tmp/distA. Each run opens bench/model.html's page in a
// fresh browser context with one build (the two alternate, A first in even runs), makes 200 same-history then 200
// after-event `recommend({ k: 10 })` calls, and closes it. AB_DEDICATED=1 runs B's page without SharedWorker (a
// dedicated worker), to compare the two kinds of engine with the same build. Prints medians over all calls.
// AB_PAIRED=1: one page per run loads both builds (two engines, two stores) and alternates their calls (A then B, B
// then A), so that the machine's noise, which moves a whole run by ±15%, falls on both alike; prints the median of
// the paired differences B − A besides.
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
const paired = Boolean(process.env.AB_PAIRED);
if (paired) {
  const [head, tail] = html.split('<script type="module">');
  const script = `<script type="module">
    import { createRecommender as createA } from '/DIST_A/edgereco.js';
    import { createRecommender as createB } from '/DIST_B/edgereco.js';
    const params = new URLSearchParams(location.search);
    const history = params.get('history').split(',');
    const open = (create, name) => create({ storeId: \`bench-pair-\${name}\`, modelUrl: params.get('model'), backend: params.get('backend') });
    const recos = { A: open(createA, 'A'), B: open(createB, 'B') };
    for (const reco of Object.values(recos)) {
      reco.on('error', (e) => console.error(e.message, String(e.cause)));
      for (const itemId of history) void reco.track({ type: 'view', itemId });
      await reco.recommend({ k: 10 });
    }
    const timed = async (reco, itemId) => {
      const t0 = performance.now();
      if (itemId !== undefined) void reco.track({ type: 'view', itemId });
      await reco.recommend({ k: 10 });
      return performance.now() - t0;
    };
    window.pair = async (n, items) => {
      const times = { A: [], B: [] };
      for (let i = 0; i < n; i++) for (const name of i % 2 ? ['B', 'A'] : ['A', 'B']) times[name].push(await timed(recos[name], items?.[i % items.length]));
      return times;
    };
    window.benchReady = true;
  </script>`;
  // Which build is the page's first engine (and whose calls go first) alternates by run: in one page, the two
  // engines differ by a few percent even with the same build.
  const page = head + script + tail.slice(tail.indexOf('</script>') + '</script>'.length);
  const root = (dist) => dist.replace(/^\/+|\/+$/g, '');
  pages.AB = 'bench/tmp/ab-pair-AB.html';
  pages.BA = 'bench/tmp/ab-pair-BA.html';
  writeFileSync(`${ROOT}/${pages.AB}`, page.replace('DIST_A', root(distA)).replace('DIST_B', root(distB)));
  writeFileSync(`${ROOT}/${pages.BA}`, page.replace('DIST_A', root(distB)).replace('DIST_B', root(distA)));
}
const server = await serve({ isolated: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
const history = vocabulary.slice(100, 110).join(',');
const newItems = vocabulary.slice(200, 400);
const after = { A: [], B: [] };
const same = { A: [], B: [] };
const perRun = { A: [], B: [] };
const differences = [];
const quantile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
try {
  for (let r = 0; paired && r < runs; r++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const swapped = r % 2 === 1;
    await page.goto(`${server.url}/${swapped ? pages.BA : pages.AB}?backend=wasm&model=/${modelDir}/manifest.json&history=${history}`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 300_000 });
    await page.reload(); // a returning visitor, as the model bench measures
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 300_000 });
    const unswap = (t) => (swapped ? { A: t.B, B: t.A } : t);
    const warm = unswap(await page.evaluate((n) => window.pair(n), calls));
    const times = unswap(await page.evaluate(([n, items]) => window.pair(n, items), [calls, newItems]));
    for (const name of ['A', 'B']) {
      same[name].push(...warm[name]);
      after[name].push(...times[name]);
      perRun[name].push(quantile(times[name], 0.5));
    }
    differences.push(...times.B.map((b, i) => b - times.A[i]));
    await context.close();
  }
  for (let r = 0; !paired && r < runs; r++) {
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
if (paired) console.log(`paired: B − A per after-event call, median ${quantile(differences, 0.5).toFixed(3)} ms over ${differences.length} pairs`);
