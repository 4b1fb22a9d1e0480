import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64url } from '../../src/core/base64url.js';
import type { SecureReport, SecureTask } from '../../src/core/secure/report.js';
import { SecureAggregator } from '../../gateway/secure-aggregation.js';
import { baseUrl, launch, resultsDir, watchErrors } from './chromium.js';
import { generateKey } from '../../gateway/ohttp-key.js';

/**
 * The secure mode's report as a shopper's browser builds it (src/core/secure/report.ts, bundled for the browser by
 * Vite with the `buffer` package the Prio3 library needs): in Chromium, over a Games-sized catalog (23,715 entries,
 * 8 items), then opened and verified by both aggregators in Node. Says how long the browser takes.
 */
const OUT = 'secure-report';
let browser: Browser;

beforeAll(async () => {
  await build({ configFile: false, logLevel: 'silent', build: { lib: { entry: 'src/core/secure/report.ts', formats: ['es'], fileName: 'secure-report' }, outDir: `${resultsDir()}/${OUT}`, emptyOutDir: true, minify: true } });
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

describe('a secure report built in Chromium', () => {
  it('over 23,715 items is opened and its proof verified by both aggregators', async () => {
    const length = 23_715;
    const [l, h] = await Promise.all([generateKey(1), generateKey(2)]);
    const taskId = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${baseUrl()}/test/browser/pages/sdk.html`);
    const items = [5, 77, 1_000, 4_242, 9_999, 12_000, 20_000, 23_714];
    const keys = { leader: { ...l.config, publicKey: Array.from(l.config.publicKey) }, helper: { ...h.config, publicKey: Array.from(h.config.publicKey) } };
    const built = await page.evaluate(
      async ({ url, taskId, length, keys, items }) => {
        // (A dynamic import written as such here would be rewritten by the test runner's transform.)
        const load = new Function('u', 'return import(u)') as (u: string) => Promise<typeof import('../../src/core/secure/report.js')>;
        const { buildSecureReport } = await load(url);
        const task = { taskId, length, maxItems: 8, leaderKey: { ...keys.leader, publicKey: new Uint8Array(keys.leader.publicKey) }, helperKey: { ...keys.helper, publicKey: new Uint8Array(keys.helper.publicKey) } };
        const times: number[] = [];
        let report: SecureReport | undefined;
        for (let run = 0; run < 3; run++) {
          const t0 = performance.now();
          report = await buildSecureReport(task, '2026-12-07', items);
          times.push(performance.now() - t0);
        }
        return { report: report!, times, bytes: JSON.stringify(report).length };
      },
      { url: `${baseUrl()}/test-results/${OUT}/secure-report.js`, taskId, length, keys, items },
    );
    console.log(`secure report in Chromium: ${built.times.map((t) => Math.round(t)).join(', ')} ms for ${length} entries; ${built.bytes} bytes of JSON`);
    expect(errors).toEqual([]);
    const task: SecureTask = { taskId, length, maxItems: 8, leaderKey: l.config, helperKey: h.config };
    const report = built.report;
    expect(report.task).toBe(task.taskId);
    // Both aggregators open their shares and verify the proof together (a report whose shares do not fit, or with an
    // entry other than 0 or 1, is refused here).
    const verifyKey = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    const [leader, helper] = ([0, 1] as const).map((role) => new SecureAggregator(role, { taskId, length, key: { keyId: role + 1, privateKey: (role === 0 ? l : h).privateKey }, verifyKey, sigma: 1 }));
    for (const a of [leader!, helper!]) a.startJob('browser', report.period, [report.nonce]);
    const mine = await leader!.prepare('browser', report.nonce, report.publicShare, report.leaderShare);
    const theirs = await helper!.prepare('browser', report.nonce, report.publicShare, report.helperShare);
    const message = await helper!.combine([mine.share, theirs.share]);
    leader!.finish('browser', report.nonce, mine.state, message);
    helper!.finish('browser', report.nonce, theirs.state, message);
    const totals = [leader!, helper!].map((a) => a.commit('browser', [report.nonce]));
    expect(totals[0]).toEqual(totals[1]);
    expect(totals[0]!.count).toBe(1);
    await page.close();
  }, 180_000);
});
