import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateSite } from '../../../gateway/aggregate-site.js';
import { resolveGatewayConfig } from '../../../gateway/config.js';
import { checkOrder, OrderCollector, readOrdersCsv } from '../../../gateway/order-feed.js';
import { orderPriors } from '../../../gateway/order-priors.js';
import { mergeOrderPriors } from '../../../gateway/priors-merge.js';
import { buildPriors } from '../../../gateway/priors-build.js';
import { parsePriors } from '../../../src/core/priors.js';

const NOW = Date.UTC(2026, 10, 27, 12);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** `n` orders of `items`, placed `daysAgo` days ago, ids from `start`. */
function orders(n: number, items: string[], daysAgo = 1, start = 0) {
  return Array.from({ length: n }, (_, i) => ({ orderId: `o-${start + i}`, time: NOW - daysAgo * DAY, items }));
}

describe('the order feed: CSV export', () => {
  it('reads order lines into orders by order_id, ignores other columns, and names what it skips', () => {
    const csv = [
      '\uFEFFOrder_ID,customer_id,item_id,quantity,time',
      'o-1,c-77,mug-red,2,2026-11-26T10:31:00Z',
      'o-1,c-77,"lamp, desk",1,2026-11-26T10:31:00Z',
      'o-1,c-77,mug-red,1,2026-11-26T10:31:00Z',
      'o-2,c-78,mug-red,1,2026-11-26',
      'o-3,c-79,,1,2026-11-26',
      'o-4,c-80,mug-red,1,yesterday',
      '',
    ].join('\r\n');
    const read = readOrdersCsv(csv, 'orders.csv');
    expect(read.orders).toEqual([
      { orderId: 'o-1', time: Date.UTC(2026, 10, 26, 10, 31), items: ['mug-red', 'lamp, desk'] },
      { orderId: 'o-2', time: Date.UTC(2026, 10, 26), items: ['mug-red'] },
    ]);
    expect(read.skipped).toBe(2);
    expect(read.problems[0]).toBe('orders.csv line 6: needs an order_id, an item_id and a time (ISO 8601 date or date-time with a zone)');
    expect(JSON.stringify(read)).not.toContain('c-77');
  });

  it('refuses a file without the columns it needs, saying which', () => {
    expect(() => readOrdersCsv('order,sku,date\n1,a,2026-11-26\n', 'export.csv')).toThrowError('export.csv must start with a header naming order_id, item_id and time');
  });
});

describe('the order feed: Kafka records', () => {
  it('checks each order record, and counts an order read twice once (the last one read)', () => {
    expect(checkOrder({ orderId: 'o-1', time: '2026-11-26T10:31:00+01:00', lines: [{ itemId: 'a', quantity: 2 }, { itemId: 'b', quantity: 1 }, { itemId: 'a', quantity: 1 }] })).toEqual({ ok: true, order: { orderId: 'o-1', time: Date.UTC(2026, 10, 26, 9, 31), items: ['a', 'b'] } });
    expect(checkOrder({ orderId: 'o-1', time: '2026-11-26 10:31', lines: [{ itemId: 'a' }] })).toMatchObject({ ok: false, message: expect.stringContaining('time must be an ISO 8601 date') });
    expect(checkOrder({ orderId: 'o-1', time: '2026-11-26', lines: [] })).toMatchObject({ ok: false, message: 'order o-1: lines must be a non-empty array of { itemId, quantity }' });
    expect(checkOrder([1])).toMatchObject({ ok: false });
    const collector = new OrderCollector();
    collector.add({ orderId: 'o-1', time: NOW, items: ['a'] });
    collector.add({ orderId: 'o-1', time: NOW, items: ['a', 'b'] });
    expect(collector.result().orders).toEqual([{ orderId: 'o-1', time: NOW, items: ['a', 'b'] }]);
  });
});

describe('best-sellers and bought-together pairs from orders', () => {
  it('counts orders (not units) in the window, lists only what at least minOrders orders contain', () => {
    const all = [
      ...orders(25, ['mug', 'lamp'], 1),
      ...orders(21, ['mug'], 29, 100),
      ...orders(19, ['vase', 'lamp'], 2, 200), // a pair of 19 orders: not listed at minOrders 20
      ...orders(30, ['old-hit'], 30, 300), // the day before the 30-day window
      ...orders(30, ['future'], -2, 400),
    ];
    const listed = orderPriors(all, NOW);
    expect(listed.items).toEqual([{ itemId: 'mug', count: 46 }, { itemId: 'lamp', count: 44 }]);
    expect(listed.pairs).toEqual([{ items: ['lamp', 'mug'], count: 25 }]);
    expect(listed.summary).toEqual({ window: { days: 30, from: '2026-10-29', to: '2026-11-27' }, orders: 65, minOrders: 20 });
  });

  it('takes no pairs from an order of more items than maxItemsPerOrderForPairs', () => {
    const bulk = Array.from({ length: 60 }, (_, i) => `sku-${i}`);
    const listed = orderPriors(orders(20, bulk), NOW, { minOrders: 5 });
    expect(listed.items).toHaveLength(60);
    expect(listed.pairs).toEqual([]);
  });
});

describe('the priors bundle, version 4: every entry labelled with its source', () => {
  const fromReports = () => {
    const bundle = buildPriors([], { items: ['mug', 'lamp'] }, {}, NOW);
    // What a day of private reports published (the rule itself is tested with the aggregator).
    bundle.items = [{ itemId: 'lamp', count: 900, source: 'private-reports' }, { itemId: 'scarf', count: 30, source: 'private-reports' }];
    bundle.pairs = [{ items: ['lamp', 'scarf'], count: 500, source: 'private-reports' }];
    return bundle;
  };

  it("puts the store's best-sellers and pairs beside the reports' entries, each in its place within its own source", () => {
    const merged = mergeOrderPriors(fromReports(), orderPriors([...orders(40, ['mug', 'lamp']), ...orders(20, ['vase'], 1, 100)], NOW), 'csv');
    expect(merged.version).toBe(4);
    expect(merged.sources).toEqual({ orders: { feed: 'csv', window: { days: 30, from: '2026-10-29', to: '2026-11-27' }, orders: 60, minOrders: 20 } });
    expect(merged.items).toEqual([
      { itemId: 'lamp', count: 40, source: 'orders' },
      { itemId: 'mug', count: 40, source: 'orders' },
      { itemId: 'lamp', count: 900, source: 'private-reports' },
      { itemId: 'vase', count: 20, source: 'orders' },
      { itemId: 'scarf', count: 30, source: 'private-reports' },
    ]);
    expect(merged.pairs).toEqual([
      { items: ['lamp', 'mug'], count: 40, source: 'orders' },
      { items: ['lamp', 'scarf'], count: 500, source: 'private-reports' },
    ]);
    // The SDK reads it back as it was written, and still reads version 2 (every entry then from private reports).
    expect(parsePriors(JSON.parse(JSON.stringify(merged)))).toEqual(merged);
    const v2 = { ...fromReports(), version: 2, items: [{ itemId: 'lamp', count: 900 }], pairs: [], queries: [] };
    expect(parsePriors(v2).items).toEqual([{ itemId: 'lamp', count: 900, source: 'private-reports' }]);
    expect(() => parsePriors({ ...merged, items: [{ itemId: 'x', count: 1, source: 'guess' }] })).toThrowError('items[0].source must be one of private-reports, orders');
    expect(() => parsePriors({ ...merged, version: 6 })).toThrowError('priors bundle version 6 is not supported');
    // Entries from secure aggregation come in version 5 only (with its sources.secure).
    expect(() => parsePriors({ ...merged, items: [{ itemId: 'x', count: 1, source: 'secure-aggregation' }] })).toThrowError('items[0].source must be one of private-reports, orders');
  });
});

describe('edgereco-gateway aggregate with a CSV order feed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgereco-orders-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a bundle with the best-sellers labelled "orders", and says what it read', async () => {
    const csv = ['order_id,item_id,quantity,time', ...Array.from({ length: 24 }, (_, i) => [`o-${i},mug-red,1,${iso(NOW - DAY)}`, `o-${i},lamp,1,${iso(NOW - DAY)}`]).flat(), 'o-x,,1,2026-11-26'].join('\n');
    await writeFile(join(dir, 'orders.csv'), csv);
    await writeFile(join(dir, 'catalog.json'), JSON.stringify([{ id: 'mug-red' }, { id: 'lamp' }]));
    const config = resolveGatewayConfig({
      sites: [{ id: 'shop', key: 'pk_test_orders', origins: ['https://shop.example'] }],
      sink: { kind: 'file', path: join(dir, 'reports.jsonl') },
      aggregate: { catalog: join(dir, 'catalog.json'), out: join(dir, 'priors.json'), stateDir: join(dir, 'state'), orders: { csv: join(dir, 'orders.csv') } },
    });
    const run = await aggregateSite(config, () => NOW);
    expect(run.orders).toEqual({ orders: 24, skipped: 1, problems: [`${join(dir, 'orders.csv')} line 50: needs an order_id, an item_id and a time (ISO 8601 date or date-time with a zone)`], items: 2, pairs: 1 });
    const written = parsePriors(JSON.parse(await readFile(join(dir, 'priors.json'), 'utf8')));
    expect(written.items).toEqual([{ itemId: 'lamp', count: 24, source: 'orders' }, { itemId: 'mug-red', count: 24, source: 'orders' }]);
    expect(written.pairs).toEqual([{ items: ['lamp', 'mug-red'], count: 24, source: 'orders' }]);
    expect(written.sources?.orders).toMatchObject({ feed: 'csv', orders: 24, minOrders: 20 });
  });

  it('refuses an order feed config that names no feed, or two', () => {
    const base = { sites: [{ id: 'shop', key: 'pk_test_orders', origins: ['https://shop.example'] }] };
    expect(() => resolveGatewayConfig({ ...base, aggregate: { catalog: 'c.json', orders: {} } })).toThrowError('config.aggregate.orders must name one feed');
    expect(() => resolveGatewayConfig({ ...base, aggregate: { catalog: 'c.json', orders: { kafka: { topic: 'orders' } } } })).toThrowError('config.aggregate.orders.kafka.bootstrap must list the brokers');
    expect(() => resolveGatewayConfig({ ...base, aggregate: { catalog: 'c.json', orders: { csv: 'o.csv', minOrders: 0 } } })).toThrowError('config.aggregate.orders.minOrders must be an integer from 1 to 1,000,000');
  });
});
