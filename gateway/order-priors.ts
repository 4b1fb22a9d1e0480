import { utcDay } from '../src/core/ldp/privacy-budget.js';
import type { OrderFeedSummary } from '../src/core/priors.js';
import type { Order } from './order-feed.js';

/** What the aggregator lists from the store's orders (config `aggregate.orders`). */
export interface OrderPriorsOptions {
  /** UTC days of orders counted, ending today. Default 30. */
  windowDays: number;
  /**
   * An item or a pair is listed only when at least this many orders of the window contain it. Default 20 (the private
   * reports' `minCount`): the bundle is public, and a pair bought once would tell one customer's basket.
   */
  minOrders: number;
  /** Most best-sellers listed. Default 1,000. */
  maxItems: number;
  /** Most bought-together pairs listed. Default 1,000. */
  maxPairs: number;
  /** Orders with more distinct items than this give no pairs (a bulk or business order says little of what goes together). Default 50. */
  maxItemsPerOrderForPairs: number;
}

export const DEFAULT_ORDER_PRIORS: OrderPriorsOptions = { windowDays: 30, minOrders: 20, maxItems: 1000, maxPairs: 1000, maxItemsPerOrderForPairs: 50 };

export interface OrderPriors {
  /** Best-sellers: items by orders that contain them, most first (ties by id). */
  items: { itemId: string; count: number }[];
  /** Bought together: item pairs by orders that contain both, most first (ties by ids). */
  pairs: { items: [string, string]; count: number }[];
  summary: Omit<OrderFeedSummary, 'feed'>;
}

const DAY_MS = 86_400_000;

/**
 * Best-sellers and bought-together pairs from the store's orders of the last `windowDays` UTC days: exact counts of
 * orders (not of units: one order of 500 mugs is one order), each listed only at `minOrders` or more.
 * Deterministic: the same orders give the same lists.
 */
export function orderPriors(orders: readonly Order[], nowMs: number, options: Partial<OrderPriorsOptions> = {}): OrderPriors {
  const o = { ...DEFAULT_ORDER_PRIORS, ...options };
  const to = utcDay(nowMs);
  const from = utcDay(Date.parse(`${to}T00:00:00Z`) - (o.windowDays - 1) * DAY_MS);
  const itemCounts = new Map<string, number>();
  const pairCounts = new Map<string, number>();
  let counted = 0;
  for (const order of orders) {
    const day = utcDay(order.time);
    if (day < from || day > to) continue;
    counted += 1;
    const items = [...new Set(order.items)].sort();
    for (const id of items) itemCounts.set(id, (itemCounts.get(id) ?? 0) + 1);
    if (items.length > o.maxItemsPerOrderForPairs) continue;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const key = `${items[i]}\u0000${items[j]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + 1);
      }
    }
  }
  const top = <T>(counts: Map<string, number>, max: number, make: (key: string, count: number) => T): T[] =>
    [...counts]
      .filter(([, n]) => n >= o.minOrders)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, max)
      .map(([key, n]) => make(key, n));
  return {
    items: top(itemCounts, o.maxItems, (itemId, count) => ({ itemId, count })),
    pairs: top(pairCounts, o.maxPairs, (key, count) => ({ items: key.split('\u0000') as [string, string], count })),
    summary: { window: { days: o.windowDays, from, to }, orders: counted, minOrders: o.minOrders },
  };
}
