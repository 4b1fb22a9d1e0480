import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve } from '../../scripts/serve.mjs';
import { launch, watchErrors } from '../browser/chromium.js';
import { freshProject, pack, ROOT } from './local-pack.js';

// The training CLI and the gateway as a store gets them: each tarball alone in a fresh folder, run through `npx`, and
// what they make (a model bundle; a reports file) used by a shop page that has only the SDK tarball.

const run = promisify(execFile);
const npx = (cwd: string, ...args: string[]) => run('npx', ['--no-install', ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
const seconds: Record<string, number> = {};
async function timed<T>(label: string, work: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    seconds[label] = Math.round((performance.now() - start) / 100) / 10;
  }
}

type W = Window & { sdk: typeof Sdk };
let tarballs: { sdk: string; cli: string; gateway: string };
let shop: string;
let browser: Browser;
let server: { url: string; close(): Promise<void> };
const folders: string[] = [];

/** The shop: only the SDK tarball, its ESM entry imported natively by a page (no bundler), served on localhost. */
function writeShop(dir: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/edgereco/package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const entry = pkg.exports['.'] as string | Record<string, string>;
  const file = typeof entry === 'string' ? entry : (entry.import ?? entry.default)!;
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>shop</title><link rel="icon" href="data:,">
<script type="module">import * as sdk from '/node_modules/edgereco/${file.replace(/^\.\//, '')}'; window.sdk = sdk; window.sdkReady = true;</script>`,
  );
  // The catalog the store's export names (item0 … item7).
  const items = Array.from({ length: 8 }, (_, i) => ({ id: `item${i}`, title: `Item ${i}`, price: 10 + i, category: i % 2 ? 'mugs' : 'plates' }));
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(items));
}

async function openShop(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  return { page, errors };
}

beforeAll(async () => {
  tarballs = await timed('pack (SDK, CLI, gateway)', () => ({ sdk: pack('.'), cli: pack('models/cli'), gateway: pack('gateway') }));
  shop = await timed('install the SDK into a fresh shop', () => freshProject('shop', [tarballs.sdk]));
  folders.push(shop);
  writeShop(shop);
  server = (await serve({ port: 0, root: shop })) as typeof server;
  browser = await launch();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  console.log(`package test timings (s): ${JSON.stringify(seconds)}`);
});

describe('@edgereco/cli from a fresh folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await timed('install the CLI', () => freshProject('models', [tarballs.cli]));
    folders.push(dir);
    cpSync(join(ROOT, 'test/fixtures/model/store-export.csv'), join(dir, 'events.csv'));
  }, 180_000);

  it('installs without the repository: no TypeScript, no tsx, only the bundle and TensorFlow.js', () => {
    const installed = join(dir, 'node_modules');
    expect(existsSync(join(installed, 'tsx'))).toBe(false);
    expect(existsSync(join(installed, '@edgereco/cli/main.ts'))).toBe(false);
    expect(existsSync(join(installed, '@tensorflow/tfjs-core'))).toBe(true);
  });

  it('edgereco --help lists the commands', async () => {
    const { stdout } = await npx(dir, 'edgereco', '--help');
    for (const command of ['train', 'neighbours', 'evaluate', 'evaluate-search']) expect(stdout).toContain(command);
  });

  it('trains on a store export, evaluates, and the bundle answers in a shop page with source "model"', async () => {
    // The training guide's commands, as written there.
    await timed('edgereco train', () => npx(dir, 'edgereco', 'train', '--events', 'events.csv', '--format', 'csv', '--out', 'm'));
    const manifest = JSON.parse(readFileSync(join(dir, 'm/manifest.json'), 'utf8')) as { training: { split: string } };
    expect(manifest.training.split).toBe('none');
    await npx(dir, 'edgereco', 'train', '--events', 'events.csv', '--format', 'csv', '--split', 'leave-one-out', '--out', 'm-eval');
    const { stdout } = await timed('edgereco evaluate', () =>
      npx(dir, 'edgereco', 'evaluate', '--events', 'events.csv', '--format', 'csv', '--model', 'm-eval', '--protocol', 'full', '--json'),
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { users: number; model: { ndcg10: number; mrr: number } };
    expect(result.users).toBe(12);
    expect(result.model.mrr).toBeGreaterThan(0);

    cpSync(join(dir, 'm'), join(shop, 'models/m'), { recursive: true });
    const { page, errors } = await openShop();
    const answer = await page.evaluate(async () => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'cli-model', catalogUrl: '/catalog.json', modelUrl: '/models/m/manifest.json', backend: 'wasm' });
      const ready = await new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
      for (const itemId of ['item0', 'item3']) await reco.track({ type: 'view', itemId });
      const items = await reco.recommend({ k: 4 });
      await reco.close();
      return { recommender: ready.recommender, items: items.map((r) => ({ id: r.itemId, source: r.source })) };
    });
    await page.close();
    expect(answer.recommender).toBe('model');
    expect(answer.items.length).toBeGreaterThan(0);
    expect(answer.items.every((r) => r.source === 'model' && /^item[0-7]$/.test(r.id))).toBe(true);
    expect(errors).toEqual([]);
  }, 180_000);

  it('train --members 2 runs its members with the installed bin', async () => {
    await npx(dir, 'edgereco', 'train', '--events', 'events.csv', '--format', 'csv', '--epochs', '3', '--members', '2', '--parallel', '2', '--out', 'ens');
    const manifest = JSON.parse(readFileSync(join(dir, 'ens/manifest.json'), 'utf8')) as { config: { members: number } };
    expect(manifest.config.members).toBe(2);
  }, 120_000);
});

describe('@edgereco/gateway from a fresh folder', () => {
  let dir: string;
  let gateway: ChildProcess | undefined;
  beforeAll(async () => {
    dir = await timed('install the gateway', () => freshProject('ingest', [tarballs.gateway]));
    folders.push(dir);
  }, 180_000);
  afterAll(() => {
    if (gateway?.pid && gateway.exitCode === null) process.kill(-gateway.pid, 'SIGTERM'); // npx and the gateway under it
  });

  it('edgereco-gateway --help says how to run it', async () => {
    const { stdout } = await npx(dir, 'edgereco-gateway', '--help');
    expect(stdout).toContain('--config');
    expect(stdout).toContain('aggregate');
  });

  it('--config site.json (file sink) receives a shop page\'s reports after syncNow(), under the working directory', async () => {
    // The example config the package ships, edited as a store would: its shop's origin, a free port.
    const example = JSON.parse(readFileSync(join(dir, 'node_modules/@edgereco/gateway/site.example.json'), 'utf8')) as {
      port: number;
      sites: { id: string; key: string; origins: string[] }[];
      sink: { kind: string; path: string };
    };
    example.port = 0;
    example.sites[0]!.origins = [server.url];
    writeFileSync(join(dir, 'site.json'), JSON.stringify(example, null, 2));
    const child = spawn('npx', ['--no-install', 'edgereco-gateway', '--config', 'site.json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    gateway = child;
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`the gateway did not start: ${text}`)), 30_000);
      child.stderr!.on('data', (d: Buffer) => {
        text += d.toString();
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`the gateway exited (${code}): ${text}`)));
    });

    const { page, errors } = await openShop();
    const synced = await page.evaluate(
      async ({ url, key }) => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'gateway-shop', catalogUrl: '/catalog.json', syncUrl: url, syncKey: key });
        const batches: number[] = [];
        reco.on('sync', (batch) => batches.push(batch.accepted));
        await reco.track({ type: 'view', itemId: 'item1' });
        await reco.track({ type: 'search', query: 'mug', resultCount: 4 });
        await reco.track({ type: 'purchase', lines: [{ itemId: 'item1', quantity: 1, price: 11, currency: 'EUR' }] });
        const summary = await reco.syncNow();
        await reco.close();
        return { summary, batches };
      },
      { url, key: example.sites[0]!.key },
    );
    await page.close();
    expect(synced.summary.status).toBe('done');
    expect(synced.summary.accepted).toBeGreaterThan(0);
    expect(synced.batches.reduce((a, b) => a + b, 0)).toBe(synced.summary.accepted); // one `sync` event per accepted batch
    const lines = readFileSync(join(dir, 'data/reports.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { site: string; topic: string; value: { id: string } });
    expect(lines.length).toBe(synced.summary.accepted);
    expect(lines.every((l) => l.site === example.sites[0]!.id && l.topic === 'edgereco-reports' && typeof l.value.id === 'string')).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  it('aggregate --config site.json turns the reports file into a priors bundle in the working directory', async () => {
    writeFileSync(join(dir, 'catalog.json'), readFileSync(join(shop, 'catalog.json')));
    await npx(dir, 'edgereco-gateway', 'aggregate', '--config', 'site.json');
    const bundle = JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')) as { format: string; reports: Record<string, number> };
    expect(bundle.format).toBe('edgereco-priors');
    expect(bundle.reports.item! + bundle.reports.pair! + bundle.reports.query!).toBeGreaterThan(0);
  });
});
