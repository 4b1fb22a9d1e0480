import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { copyInto, launch, makeProject, npmEnv, openPage, packWorkspace, run, serveFolder, startServer, timed, type Server } from './harness.js';
import { toBase64url } from '../../src/core/base64url.js';
import { decodeKeyConfigList } from '../../src/core/ohttp/key-config.js';
import { buildSecureReport } from '../../src/core/secure/report.js';
import { SecureAggregator, SecureLeader } from '../../gateway/secure-aggregation.js';
import { generateKey } from '../../gateway/ohttp-key.js';

/**
 * The training CLI and the gateway as a store gets them: each tarball alone in a fresh folder, run through `npx`, and
 * what they make (a model bundle; a reports file) used by a shop page that has only the SDK tarball.
 */

const npx = (cwd: string, ...args: string[]) => run('npx', ['--no-install', ...args], { cwd });
type W = Window & { sdk: typeof Sdk };

let browser: Browser;
let shop: string;
let shopServer: { url: string; close(): Promise<void>; requested(): string[] };

/** The store's catalog: the item ids of test/fixtures/model/store-export.csv (item0 … item7). */
const CATALOG = Array.from({ length: 8 }, (_, i) => ({ id: `item${i}`, title: `Item ${i}`, price: 10 + i, category: i % 2 ? 'mugs' : 'plates' }));

/** A page importing the SDK's ESM entry (from the tarball's own `exports`) natively, no bundler: `window.sdk`. */
function shopPage(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules/edgereco/package.json'), 'utf8')) as { exports: { '.': { import: string } } };
  const entry = pkg.exports['.'].import.replace(/^\.\//, '');
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>shop</title>
<script type="module">import * as sdk from '/node_modules/edgereco/${entry}'; window.sdk = sdk; window.sdkReady = true;</script>\n`;
}

beforeAll(async () => {
  shop = await timed('cli/gateway shop: install', () => makeProject('native-esm-shop', { dependencies: { edgereco: inject('sdkTarball') }, files: { 'catalog.json': JSON.stringify(CATALOG) } }));
  writeFileSync(join(shop, 'index.html'), shopPage(shop));
  shopServer = await serveFolder(shop);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await shopServer?.close();
});

describe('@edgereco/cli from a fresh folder', () => {
  let dir: string;
  beforeAll(async () => {
    const tarball = await timed('npm pack @edgereco/cli', () => packWorkspace('models/cli'));
    dir = await timed('cli: install', () => makeProject('cli-only', { devDependencies: { '@edgereco/cli': tarball } }));
    copyInto('test/fixtures/model/store-export.csv', join(dir, 'events.csv'));
  });

  it('installs without the repository: the bundle and TensorFlow.js, no TypeScript sources, no tsx', () => {
    const installed = join(dir, 'node_modules');
    expect(existsSync(join(installed, '@edgereco/cli/dist/edgereco.js'))).toBe(true);
    expect(existsSync(join(installed, '@edgereco/cli/main.ts'))).toBe(false);
    expect(existsSync(join(installed, 'tsx'))).toBe(false);
    expect(existsSync(join(installed, '@tensorflow/tfjs-core'))).toBe(true);
  });

  it('edgereco --help lists the commands', async () => {
    const { stdout } = await npx(dir, 'edgereco', '--help');
    for (const command of ['train', 'neighbours', 'evaluate', 'evaluate-search']) expect(stdout).toContain(command);
  });

  it('the training guide\'s commands train on a store export and evaluate, and the bundle answers in a shop page with source "model"', async () => {
    const trained = await timed('cli: edgereco train', () => npx(dir, 'edgereco', 'train', '--events', 'events.csv', '--format', 'csv', '--out', 'public/models/my-store'));
    // The defaults choose for themselves: on each shopper's last event held out, then learning from it too.
    expect(trained.stdout).toMatch(/validation: the \d+ last items of the sequences/);
    // Twelve shoppers: the store is told its choices are noise and what serves it better.
    expect(trained.stdout).toMatch(/warning: only \d+ sequences to validate on \(fewer than 100\).*no modelUrl/);
    expect(trained.stdout).toMatch(/keeps prior weight [\d.]+ \(best validation full NDCG@10/);
    const manifest = JSON.parse(readFileSync(join(dir, 'public/models/my-store/manifest.json'), 'utf8')) as { config: { members: number }; training: { split: string; validation: string } };
    expect(manifest.training).toMatchObject({ split: 'none', validation: 'trained' });
    expect(manifest.config.members).toBe(4); // a pair side by side on this 2-core machine, and a second pair as the time allows
    await npx(dir, 'edgereco', 'neighbours', '--events', 'events.csv', '--format', 'csv', '--model', 'public/models/my-store', '--neighbours', '20');
    await npx(dir, 'edgereco', 'train', '--events', 'events.csv', '--format', 'csv', '--split', 'leave-one-out', '--out', 'my-store-eval');
    const { stdout } = await timed('cli: edgereco evaluate', () =>
      npx(dir, 'edgereco', 'evaluate', '--events', 'events.csv', '--format', 'csv', '--model', 'my-store-eval', '--protocol', 'full', '--json'),
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { users: number; model: { mrr: number } };
    expect(result.users).toBe(12);
    expect(result.model.mrr).toBeGreaterThan(0);

    copyInto(join(dir, 'public/models/my-store'), join(shop, 'models/my-store'));
    const opened = await openPage(browser, `${shopServer.url}/index.html`, 'window.sdkReady === true');
    try {
      const answer = await opened.page.evaluate(async () => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'cli-model', catalogUrl: '/catalog.json', modelUrl: '/models/my-store/manifest.json' });
        const ready = await new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
        for (const itemId of ['item0', 'item3']) await reco.track({ type: 'view', itemId });
        const items = await reco.recommend({ k: 4 });
        await reco.close();
        return { recommender: ready.recommender, items: items.map((r) => ({ id: r.itemId, source: r.source })) };
      });
      expect(answer.recommender).toBe('model');
      expect(answer.items.length).toBeGreaterThan(0);
      expect(answer.items.every((r) => r.source === 'model' && /^item[0-7]$/.test(r.id))).toBe(true);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('edgereco tiers splits the catalog and that bundle into a head, shards and clusters; a shop page with only the SDK loads a tail item\'s shard when it is viewed, and the clusters its shopper points to', async () => {
    // And a new product the model has never seen: in the tail, with no model rows, so in its shard only.
    const NEW = { id: 'item8', title: 'Item 8', price: 18, category: 'plates', popularity: 0 };
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify([...CATALOG.map((item, i) => ({ ...item, popularity: 100 - i })), NEW]));
    const { stdout } = await npx(dir, 'edgereco', 'tiers', '--catalog', 'catalog.json', '--model', 'public/models/my-store', '--head', '3', '--shard-items', '2', '--out', 'public/tiers', '--json');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { head: { items: number }; shards: { count: number } };
    expect(summary.head.items).toBe(3);
    copyInto(join(dir, 'public/tiers'), join(shop, 'tiers'));
    const opened = await openPage(browser, `${shopServer.url}/index.html`, 'window.sdkReady === true');
    // Asked of the server: the engine may run in a SharedWorker, whose requests are not the page's.
    const shardsBefore = shopServer.requested().filter((p) => p.includes('/tiers/shards/')).length;
    try {
      const answer = await opened.page.evaluate(async () => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'cli-tiers', catalogUrl: '/tiers/catalog.json', modelUrl: '/tiers/model/manifest.json' });
        const warnings: string[] = [];
        reco.on('warning', (e) => warnings.push(e.message));
        await reco.track({ type: 'view', itemId: 'item0' });
        const before = await reco.recommend({ k: 3 });
        await reco.track({ type: 'view', itemId: 'item6' }); // in the tail, the model knows it
        await reco.track({ type: 'view', itemId: 'item8' }); // in the tail, new
        const explained = await reco.explain('item6');
        const fresh = await reco.explain('item8');
        const items = await reco.recommend({ k: 4 });
        await reco.close();
        return { before: before.length, title: explained.title, freshTitle: fresh.title, items: items.map((r) => r.itemId), warnings };
      });
      expect(answer.before).toBeGreaterThan(0);
      expect(answer.title).toBe('Item 6'); // from its cluster or its shard
      expect(answer.freshTitle).toBe('Item 8'); // from its shard: no cluster holds an item without model rows
      expect(shopServer.requested().filter((p) => p.includes('/tiers/shards/')).length).toBeGreaterThan(shardsBefore);
      // The tail's clusters (by the model's rows) that the installed CLI wrote: the first recommend() read their
      // centroids and fetched the best ones.
      expect(shopServer.requested().filter((p) => p.includes('/tiers/clusters/centroids.json')).length).toBeGreaterThan(0);
      expect(shopServer.requested().filter((p) => /\/tiers\/clusters\/\d+\.json/.test(p)).length).toBeGreaterThan(0);
      expect(answer.items.length).toBeGreaterThan(0);
      expect(answer.warnings).toEqual([]);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('train --members 2 runs its members with the installed bin', async () => {
    await timed('cli: train --members 2', () =>
      npx(dir, 'edgereco', 'train', '--events', 'events.csv', '--format', 'csv', '--epochs', '3', '--members', '2', '--parallel', '2', '--out', 'ensemble'),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'ensemble/manifest.json'), 'utf8')) as { config: { members: number } };
    expect(manifest.config.members).toBe(2);
  });
});

describe('@edgereco/gateway from a fresh folder', () => {
  let dir: string;
  let gateway: Server | undefined;
  beforeAll(async () => {
    const tarball = await timed('npm pack @edgereco/gateway', () => packWorkspace('gateway'));
    dir = await timed('gateway: install', () => makeProject('gateway-only', { dependencies: { '@edgereco/gateway': tarball } }));
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('edgereco-gateway --help says how to run it', async () => {
    const { stdout } = await npx(dir, 'edgereco-gateway', '--help');
    expect(stdout).toContain('--config');
    expect(stdout).toContain('aggregate');
  });

  it("--config site.json (file sink) receives a shop page's reports after syncNow(), in the working directory", async () => {
    // The example config the package ships, edited as a store would: its shop's origin, a free port.
    const site = JSON.parse(readFileSync(join(dir, 'node_modules/@edgereco/gateway/site.example.json'), 'utf8')) as {
      port: number;
      sites: { id: string; key: string; origins: string[] }[];
    };
    site.port = 0;
    site.sites[0]!.origins = [shopServer.url];
    writeFileSync(join(dir, 'site.json'), JSON.stringify(site, null, 2));
    gateway = await startServer('npx', ['--no-install', 'edgereco-gateway', '--config', 'site.json'], { cwd: dir, ready: /listening on (http:\/\/\S+)/ });

    const opened = await openPage(browser, `${shopServer.url}/index.html`, 'window.sdkReady === true');
    try {
      const synced = await opened.page.evaluate(
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
        { url: gateway.url, key: site.sites[0]!.key },
      );
      expect(synced.summary.status, synced.summary.message).toBe('done');
      expect(synced.summary.accepted, synced.summary.message).toBeGreaterThan(0);
      expect(synced.batches.reduce((a, b) => a + b, 0)).toBe(synced.summary.accepted); // a `sync` event per accepted batch
      const lines = readFileSync(join(dir, 'data/reports.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { site: string; topic: string; value: { id: string } });
      expect(lines).toHaveLength(synced.summary.accepted);
      expect(lines.every((l) => l.site === site.sites[0]!.id && l.topic === 'edgereco-reports' && typeof l.value.id === 'string')).toBe(true);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it('aggregate --config site.json turns those reports into a priors bundle in the working directory', async () => {
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify(CATALOG));
    await npx(dir, 'edgereco-gateway', 'aggregate', '--config', 'site.json');
    const bundle = JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')) as { format: string; reports: Record<string, number> };
    expect(bundle.format).toBe('edgereco-priors');
    expect(bundle.reports.item! + bundle.reports.pair! + bundle.reports.query!).toBeGreaterThan(0);
  });

  it('with "tokens", the installed issuer gives a syncTokens page its tokens and takes its paid reports; "orders" labels the best-sellers', async () => {
    await gateway?.stop();
    const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as Record<string, unknown>;
    const orders = ['order_id,item_id,quantity,time', ...Array.from({ length: 20 }, (_, i) => `o-${i},item3,1,${new Date(Date.now() - 86_400_000).toISOString()}`)].join('\n');
    writeFileSync(join(dir, 'orders.csv'), orders);
    writeFileSync(join(dir, 'site-tokens.json'), JSON.stringify({ ...site, sink: { kind: 'file', path: 'data/paid.jsonl' }, tokens: { secureCookie: false }, aggregate: { catalog: 'catalog.json', out: 'paid-priors.json', stateDir: 'data/paid-state', orders: { csv: 'orders.csv' } } }));
    gateway = await startServer('npx', ['--no-install', 'edgereco-gateway', '--config', 'site-tokens.json'], { cwd: dir, ready: /listening on (http:\/\/\S+)/ });
    const opened = await openPage(browser, `${shopServer.url}/index.html`, 'window.sdkReady === true');
    try {
      const summary = await opened.page.evaluate(
        async ({ url, key }) => {
          const w = window as unknown as W;
          const reco = w.sdk.createRecommender({ storeId: 'paid-shop', catalogUrl: '/catalog.json', syncUrl: url, syncKey: key, syncTokens: true });
          await reco.track({ type: 'view', itemId: 'item2' });
          const done = await reco.syncNow();
          await reco.close();
          return done;
        },
        { url: gateway.url, key: (site.sites as { key: string }[])[0]!.key },
      );
      expect(summary, summary.message).toMatchObject({ status: 'done', built: 2, accepted: 2, rejected: 0 });
      expect(readFileSync(join(dir, 'data/paid.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
      expect(existsSync(join(dir, 'data/token-keys'))).toBe(true);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
    }
    const { stderr } = await npx(dir, 'edgereco-gateway', 'aggregate', '--config', 'site-tokens.json');
    expect(stderr).toContain('the order feed gave 20 orders in the window');
    const bundle = JSON.parse(readFileSync(join(dir, 'paid-priors.json'), 'utf8')) as { version: number; items: { itemId: string; source: string }[] };
    expect(bundle.version).toBe(4);
    expect(bundle.items).toContainEqual({ itemId: 'item3', count: 20, source: 'orders' });
  });

  it('edgereco-gateway relay: a shop page with syncRelayUrl reaches a gateway that takes reports only through OHTTP', async () => {
    const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'private.json'), JSON.stringify({ ...site, sink: { kind: 'file', path: 'data/private.jsonl' }, ohttp: { required: true } }));
    const privateGateway = await startServer('npx', ['--no-install', 'edgereco-gateway', '--config', 'private.json'], { cwd: dir, ready: /listening on (http:\/\/\S+)/ });
    const relay = await startServer('npx', ['--no-install', 'edgereco-gateway', 'relay', '--gateway', `${privateGateway.url}/ohttp`, '--port', '0', '--origin', shopServer.url], { cwd: dir, ready: /relay listening on (http:\/\/\S+),/ });
    const opened = await openPage(browser, `${shopServer.url}/index.html`, 'window.sdkReady === true');
    try {
      const key = (site.sites as { key: string }[])[0]!.key;
      const summary = await opened.page.evaluate(
        async ({ url, key, relayUrl }) => {
          const w = window as unknown as W;
          const reco = w.sdk.createRecommender({ storeId: 'relay-shop', catalogUrl: '/catalog.json', syncUrl: url, syncKey: key, syncRelayUrl: relayUrl });
          await reco.track({ type: 'view', itemId: 'item2' });
          const summary = await reco.syncNow();
          await reco.close();
          return summary;
        },
        { url: privateGateway.url, key, relayUrl: relay.url },
      );
      expect(summary.accepted, summary.message).toBe(2);
      expect(readFileSync(join(dir, 'data/private.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
      expect(existsSync(join(dir, 'data/ohttp-key.json'))).toBe(true);
      expect(opened.errors).toEqual([]);
    } finally {
      await opened.close();
      await relay.stop();
      await privateGateway.stop();
    }
  });
  it('edgereco-gateway helper: the installed secure-mode helper serves its key and counts a leader\'s job', async () => {
    const taskId = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    const verifyKey = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    writeFileSync(join(dir, 'helper.json'), JSON.stringify({ format: 'edgereco-secure-helper', taskId, length: 20, maxItems: 2, epsilon: 2, delta: 1e-6, verifyKey, keyFile: 'data/helper-key.json', stateFile: 'data/helper-state.json', leaderTokenEnv: 'EDGERECO_LEADER_TOKEN' }));
    const token = 'the-secret-of-the-store-and-its-partner';
    const helper = await startServer('npx', ['--no-install', 'edgereco-gateway', 'helper', '--config', 'helper.json', '--port', '0'], { cwd: dir, env: { ...npmEnv(), EDGERECO_LEADER_TOKEN: token }, ready: /helper listening on (http:\/\/\S+) / });
    try {
      const [helperKey] = decodeKeyConfigList(new Uint8Array(await (await fetch(`${helper.url}/secure/v1/key`)).arrayBuffer()));
      const { privateKey, config: leaderKey } = await generateKey(3);
      const task = { taskId, length: 20, maxItems: 2, leaderKey, helperKey: helperKey! };
      const reports = await Promise.all([[0, 1], [0, 2], [0]].map((items) => buildSecureReport(task, '2026-12-07', items)));
      const leader = new SecureLeader(new SecureAggregator(0, { taskId, length: 20, key: { keyId: 3, privateKey }, verifyKey, sigma: 5 }), `${helper.url}/`, token);
      expect(await leader.aggregate(reports, 'job-1')).toEqual({ accepted: 3, refused: [] });
      expect((await leader.collect('2026-12-07')).reports).toBe(3);
      expect(existsSync(join(dir, 'data/helper-state.json'))).toBe(true);
    } finally {
      await helper.stop();
    }
  });
});
