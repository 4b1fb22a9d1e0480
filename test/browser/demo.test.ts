import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, launch, resultsDir, watchErrors } from './chromium.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('demo storefront', () => {
  it('loads without console errors and updates "Recommended for you" when the shopper views a product', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${baseUrl()}/demo/index.html`);
    await page.waitForSelector('html[data-ready=true]');
    const titles = () => page.locator('#recs h3').allTextContents();
    const before = await titles();
    expect(before).toHaveLength(8);
    const viewed = (await page.locator('#catalog li').nth(6).locator('h3').textContent())!;
    await page.locator('#catalog li').nth(6).getByRole('button', { name: `View ${viewed}` }).click();
    await page.waitForFunction((prev) => [...document.querySelectorAll('#recs h3')].map((h) => h.textContent).join('|') !== prev, before.join('|'));
    expect(await page.locator('#recs .why').first().textContent()).toContain(`“${viewed}”`);
    await page.screenshot({ path: `${resultsDir()}/demo-home.png`, fullPage: false });
    // Search with a typo, then "Why this?" on a recommendation.
    await page.getByLabel('Search products').fill('lunch bga');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForSelector('#results li');
    expect((await page.locator('#results h3').allTextContents()).filter((t) => /lunch bag/i.test(t)).length).toBeGreaterThan(3);
    await page.locator('#recs li').first().getByRole('button', { name: /^Why is/ }).click();
    await page.waitForSelector('#recs li .evidence li');
    expect(await page.locator('#recs li').first().locator('.evidence li').first().textContent()).toBeTruthy();
    await page.getByRole('button', { name: 'Forget me' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('Forgotten');
    expect(await titles()).toEqual(before);
    expect(errors).toEqual([]);
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
    const titles = await page.locator('#results h3').allTextContents();
    expect(titles.filter((t) => /mouse|mice/i.test(t)).length).toBeGreaterThanOrEqual(8);
    await page.locator('#results li').first().getByRole('button', { name: /^Related to/ }).click();
    await page.waitForSelector('#related li');
    expect(await page.locator('#related li').count()).toBe(8);
    expect(await page.locator('img').evaluateAll((imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length)).toBe(0);
    expect(await page.getByText('"as is"').count()).toBe(1);
    await page.screenshot({ path: `${resultsDir()}/demo-electronics.png` });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the script-tag embed page shows recommendations with no build step', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${baseUrl()}/demo/embed.html`);
    await expect.poll(() => page.locator('#recs li').count()).toBe(5);
    expect(errors).toEqual([]);
    await context.close();
  });
});
