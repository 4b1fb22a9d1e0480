import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, launch, resultsDir, watchErrors } from './chromium.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2 A and AA rules on the current page: the violations, by rule id and target. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

async function open(page: Page, hash = ''): Promise<void> {
  await page.goto(`${baseUrl()}/demo/index.html${hash}`);
  await page.waitForSelector('html[data-ready=true]');
}

const titles = (page: Page, list: string) => page.locator(`${list} h3`).allTextContents();

describe('demo storefront (the gift shop)', () => {
  it('journey: search with a typo → product page → add to cart → purchase → "Recommended for you" changes', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await open(page);
    const coldRecs = await titles(page, 'section[aria-labelledby=s-recommended-for-you]');
    expect(coldRecs).toHaveLength(8);
    await page.getByLabel('Search products').fill('lunch bga');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForSelector('#view h2:has-text("Results for")');
    const results = await titles(page, '#view');
    expect(results.filter((t) => /lunch bag/i.test(t)).length).toBeGreaterThan(3);
    await page.screenshot({ path: `${resultsDir()}/journey-1-search.png` });
    await page.locator('#view h3 a').filter({ hasText: /lunch bag/i }).first().click();
    await page.waitForSelector('.product h1');
    const product = (await page.locator('.product h1').textContent())!;
    expect(await page.locator('section[aria-labelledby=s-related] li').count()).toBeGreaterThan(0);
    expect(await page.locator('section[aria-labelledby=s-frequently-bought-together] li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${resultsDir()}/journey-2-product.png` });
    await page.locator('.product').getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.locator('#cart-link').textContent()).toBe('Cart (1)');
    await page.getByRole('link', { name: 'Cart (1)' }).click();
    await page.waitForSelector('#view h1:has-text("Your cart")');
    expect(await page.locator('ul.cart li').first().textContent()).toContain(product);
    await page.screenshot({ path: `${resultsDir()}/journey-3-cart.png` });
    await page.getByRole('button', { name: 'Buy now' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('Thank you');
    await page.waitForSelector('section[aria-labelledby=s-recommended-for-you] li');
    const afterRecs = await titles(page, 'section[aria-labelledby=s-recommended-for-you]');
    expect(afterRecs).not.toEqual(coldRecs);
    expect(afterRecs).not.toContain(product); // bought: not recommended again
    await page.screenshot({ path: `${resultsDir()}/journey-4-home-after-purchase.png` });
    // "Why this?" names what the shopper did.
    await page.locator('section[aria-labelledby=s-recommended-for-you] li').first().getByRole('button', { name: /^Why this\?/ }).click();
    await page.waitForSelector('.evidence li');
    // The privacy panel, then forget: back to cold start.
    await page.getByRole('link', { name: 'Your data' }).click();
    await page.waitForSelector('#view h1:has-text("Your data")');
    expect(await page.locator('#view').textContent()).toMatch(/Stored in this browser \(indexeddb\): \d+ events/);
    expect(await page.locator('#view').textContent()).toContain('Nothing has been sent');
    // privacy(): with no sync configured, the demo says plainly that nothing leaves and claims no central figure.
    expect(await page.locator('#privacy-summary').textContent()).toBe('This store does not collect reports: nothing leaves this browser.');
    expect(await page.locator('.privacy-figures').textContent()).toContain('not claimed: without a relay the local ε is the whole guarantee');
    await page.screenshot({ path: `${resultsDir()}/journey-5-privacy.png` });
    await page.getByRole('button', { name: 'Forget me' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('Forgotten');
    await page.getByRole('link', { name: 'Home' }).click();
    await expect.poll(async () => (await titles(page, 'section[aria-labelledby=s-recommended-for-you]')).join('|')).toBe(coldRecs.join('|'));
    expect(await page.locator('#perf-count').textContent()).not.toBe('0');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('has no WCAG 2 A/AA violations on the home, search and product pages, and every control is reachable by keyboard', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const hash of ['', '#/search/heart', '#/product/85123A']) {
      await open(page, hash);
      await page.waitForSelector('#view section, #view article');
      expect(await axeViolations(page), `page ${hash || 'home'}`).toEqual([]);
    }
    // Tab through the home page: every link and button takes focus at some point.
    await open(page);
    const controls = await page.locator('a[href], button, input').count();
    const reached = new Set<string>();
    for (let i = 0; i < controls + 5; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => {
        const a = document.activeElement!;
        return `${a.tagName}|${a.textContent}|${a.getAttribute('href')}|${a.getAttribute('aria-label')}|${[...document.querySelectorAll('a[href], button, input')].indexOf(a)}`;
      }));
    }
    const indexes = new Set([...reached].map((r) => Number(r.split('|').at(-1))));
    for (let i = 0; i < controls; i++) expect(indexes.has(i), `control #${i} never took focus`).toBe(true);
    await context.close();
  });

  it('keeps working offline after the first load (service worker)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload(); // now controlled by the service worker, which caches what the page fetches
    await page.waitForSelector('html[data-ready=true]');
    await page.waitForTimeout(500); // let the worker's cache writes land
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('html[data-ready=true]');
    expect(await page.locator('section[aria-labelledby=s-recommended-for-you] li').count()).toBe(8);
    await page.getByLabel('Search products').fill('heart');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForSelector('#view h2:has-text("Results for")');
    await context.close();
  });

  it('the electronics store answers search and related items with no history, and shows no broken image', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${baseUrl()}/demo/electronics.html`);
    await page.waitForSelector('html[data-ready=true]');
    await page.getByLabel('Search electronics').fill('wireles mouse');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForSelector('#results li');
    const found = await page.locator('#results h3').allTextContents();
    expect(found.filter((t) => /mouse|mice/i.test(t)).length).toBeGreaterThanOrEqual(8);
    await page.locator('#results li').first().getByRole('button', { name: /^Related items:/ }).click();
    await page.waitForSelector('#related li');
    expect(await page.locator('#related li').count()).toBe(8);
    expect(await page.locator('img').evaluateAll((imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length)).toBe(0);
    expect(await page.getByText('"as is"').count()).toBe(1);
    await page.screenshot({ path: `${resultsDir()}/electronics.png` });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the script-tag embed page records events queued before the script loaded, with no build step', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.route('**/edgereco.embed.js', async (route) => {
      await new Promise((r) => setTimeout(r, 300));
      await route.continue();
    });
    await page.goto(`${baseUrl()}/demo/embed.html`);
    await expect.poll(() => page.locator('#recs li').count()).toBe(5);
    const stored = await page.evaluate(async () => (await (window as unknown as { edgereco: { exportData(): Promise<{ events: { itemId?: string }[] }> } }).edgereco.exportData()).events.map((e) => e.itemId));
    expect(stored).toContain('85123A');
    expect(errors).toEqual([]);
    await context.close();
  });
});
