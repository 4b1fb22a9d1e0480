import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateSite } from '../../../gateway/aggregate-site.js';
import { gatewayConfigFromEnv, resolveGatewayConfig } from '../../../gateway/config.js';
import { itemKey, olhParams, olhPerturb, seededRandom, type AggregateReport } from '../../../src/core/ldp/index.js';

const dir = mkdtempSync(join(tmpdir(), 'edgereco-site-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const example = new URL('../../../gateway/site.example.json', import.meta.url).pathname;

describe('site.json', () => {
  it('the shipped example is a valid config, its data under the working directory', () => {
    const config = gatewayConfigFromEnv({}, example);
    expect(config.sites[0]!.key).toBe('pk_my_shop_change_me');
    expect(config.sink).toEqual({ kind: 'file', path: 'data/reports.jsonl' });
    expect(config.aggregate?.out).toBe('priors.json');
    expect(config.privacy).toEqual({ epsilon: { item: 2, pair: 2, query: 2, outcome: 2 }, retentionDays: 30 });
    expect(resolveGatewayConfig({ sites: config.sites }).sink).toEqual({ kind: 'file', path: 'data/reports.jsonl' });
  });

  it('PORT and KAFKA_BOOTSTRAP override the file', () => {
    const config = gatewayConfigFromEnv({ PORT: '0', KAFKA_BOOTSTRAP: 'a:9092,b:9092' }, example);
    expect(config.port).toBe(0);
    expect(config.sink).toEqual({ kind: 'kafka', bootstrap: ['a:9092', 'b:9092'] });
  });

  it('a missing or broken file says which and where to start from', () => {
    expect(() => gatewayConfigFromEnv({}, join(dir, 'nope.json'))).toThrow(/cannot read the config file .*nope\.json.*site\.example\.json/);
    writeFileSync(join(dir, 'broken.json'), '{ "sites": [');
    expect(() => gatewayConfigFromEnv({}, join(dir, 'broken.json'))).toThrow(/broken\.json is not valid JSON/);
  });
});

describe('edgereco-gateway aggregate on the file sink', () => {
  it('folds each new line once (a later run reads only what was appended), drops resends, and writes the priors bundle', async () => {
    const NOW = Date.UTC(2026, 10, 27, 9);
    const random = seededRandom(7);
    const params = olhParams(4);
    const report = (item: string, n: number): AggregateReport => {
      const { seed, value } = olhPerturb(itemKey(item), params, random);
      return { v: 2, id: `report-${String(n).padStart(10, '0')}`, period: '2026-11-26', kind: 'item', eps: 4, mech: 'olh', g: params.g, seed, y: value };
    };
    const reports = Array.from({ length: 1200 }, (_, n) => report(n % 3 === 0 ? 'rare' : 'mug', n));
    const line = (topic: string, value: unknown, offset: number) => JSON.stringify({ topic, partition: 0, offset, site: 'shop', value });
    const first = [
      ...reports.slice(0, 900).map((r, i) => line('edgereco-reports', r, i)),
      ...reports.slice(0, 50).map((r, i) => line('edgereco-reports', r, 900 + i)), // resent: counted once
      line('other-topic', reports[0], 0),
      line('edgereco-reports', { v: 2, id: 'x' }, 950), // fails the schema
      line('edgereco-reports', { ...reports[1000], id: 'report-at-eps-2-0001', eps: 2, g: 8, seed: 5, y: 3 }, 951), // another ε than the site's: refused
    ];
    const last = line('edgereco-reports', reports[900], 952);
    const path = join(dir, 'reports.jsonl');
    writeFileSync(path, `${first.join('\n')}\n${last.slice(0, 20)}`); // the last line is still being written
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify({ format: 'edgereco-catalog', version: 1, items: [{ id: 'mug' }, { id: 'rare' }, { id: 'none' }] }));
    const config = resolveGatewayConfig({
      sites: [{ id: 'shop', key: 'pk_shop_12345', origins: ['https://shop.example'] }],
      sink: { kind: 'file', path },
      privacy: { epsilon: 4 },
      aggregate: { catalog: join(dir, 'catalog.json'), out: join(dir, 'priors.json'), stateDir: join(dir, 'state') },
    });
    const result = await aggregateSite(config, () => NOW);
    expect(result).toMatchObject({ records: 952, counted: 900, duplicates: 50, invalid: 1, refused: 1 });
    let bundle = JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')) as typeof result.bundle;
    expect(bundle.reports).toEqual({ item: 900, pair: 0, query: 0, duplicatesDropped: 50 });
    expect(bundle.publication).toMatchObject({ rule: 'bonferroni-bernstein', alpha: 0.01, minCount: 20 });
    const counts = new Map(bundle.items.map((i) => [i.itemId, i.count]));
    expect(Math.abs(counts.get('mug')! - 600)).toBeLessThan(3 * bundle.threshold.item);
    expect(counts.has('none')).toBe(false);

    // The torn line completed and more appended: the next run folds only those.
    writeFileSync(path, `${first.join('\n')}\n${[last, ...reports.slice(901).map((r, i) => line('edgereco-reports', r, 953 + i))].join('\n')}\n`);
    const again = await aggregateSite(config, () => NOW);
    expect(again).toMatchObject({ records: 300, counted: 300, duplicates: 0, invalid: 0 });
    bundle = JSON.parse(readFileSync(join(dir, 'priors.json'), 'utf8')) as typeof result.bundle;
    expect(bundle.reports).toEqual({ item: 1200, pair: 0, query: 0, duplicatesDropped: 50 });
    expect((await aggregateSite(config, () => NOW)).records).toBe(0);
  });

  it('without an "aggregate" section it says what to add', async () => {
    const config = resolveGatewayConfig({ sites: [{ id: 'shop', key: 'pk_shop_12345', origins: ['https://shop.example'] }] });
    await expect(aggregateSite(config)).rejects.toThrow(/no "aggregate" section.*site\.example\.json/);
  });
});
