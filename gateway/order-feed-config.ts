import { readFile } from 'node:fs/promises';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import type { OrderFeedRead } from './order-feed.js';
import { readOrdersCsv } from './order-feed.js';
import { readOrderTopic } from './order-feed-kafka.js';
import { DEFAULT_ORDER_PRIORS, type OrderPriorsOptions } from './order-priors.js';

/**
 * `aggregate.orders` in site.json: where the store's order feed is (one of `csv` or `kafka`) and what is listed from
 * it (order-priors.ts). Example: `{ "csv": "exports/orders.csv", "windowDays": 30, "minOrders": 20 }` or
 * `{ "kafka": { "topic": "shop-orders" } }` (the brokers of the Kafka sink, unless `kafka.bootstrap` names others).
 */
export interface OrderFeedConfig extends Partial<OrderPriorsOptions> {
  /** A CSV export of order lines (header `order_id,item_id,quantity,time`), relative to the working directory. */
  csv?: string;
  /** A topic the store's backend writes, one JSON record per order. */
  kafka?: { topic: string; bootstrap?: string[] };
}

function fail(field: string, requirement: string, got?: unknown): never {
  throw createError(ERROR_CODES.INVALID_OPTION, { field: `config.aggregate.orders${field}`, requirement, ...(got === undefined ? {} : { got }) });
}

/** Checks `aggregate.orders`; `sinkBootstrap` is the Kafka sink's brokers, if the sink is Kafka. */
export function checkOrderFeedConfig(orders: OrderFeedConfig, sinkBootstrap: string[] | undefined): void {
  if (typeof orders !== 'object' || orders === null || Array.isArray(orders)) fail('', 'must be an object { "csv": file } or { "kafka": { "topic": name } }', orders);
  const known = ['csv', 'kafka', ...Object.keys(DEFAULT_ORDER_PRIORS)];
  for (const key of Object.keys(orders)) if (!known.includes(key)) fail(`.${key}`, `is not an option of the order feed (known: ${known.join(', ')})`);
  if ((orders.csv === undefined) === (orders.kafka === undefined)) fail('', 'must name one feed: "csv" (an export file) or "kafka" ({ "topic": name })');
  if (orders.csv !== undefined && (typeof orders.csv !== 'string' || orders.csv === '')) fail('.csv', 'must be a file path', orders.csv);
  if (orders.kafka !== undefined) {
    if (typeof orders.kafka?.topic !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(orders.kafka.topic)) fail('.kafka.topic', 'must be a Kafka topic name', orders.kafka?.topic);
    if (!orders.kafka.bootstrap && !sinkBootstrap) fail('.kafka.bootstrap', 'must list the brokers (host:port) when the sink is not Kafka');
  }
  for (const field of Object.keys(DEFAULT_ORDER_PRIORS) as (keyof OrderPriorsOptions)[]) {
    const value = orders[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= 1_000_000)) fail(`.${field}`, `must be an integer from 1 to 1,000,000 (default ${DEFAULT_ORDER_PRIORS[field]})`, value);
  }
}

/** Reads the configured feed. */
export async function readOrderFeed(orders: OrderFeedConfig, sinkBootstrap: string[] | undefined): Promise<OrderFeedRead & { feed: 'csv' | 'kafka' }> {
  if (orders.csv !== undefined) {
    let text: string;
    try {
      text = await readFile(orders.csv, 'utf8');
    } catch (error) {
      throw createError(ERROR_CODES.INVALID_DATA, { subject: `the order feed ${orders.csv}`, requirement: `cannot be read (${(error as Error).message})`, fix: 'check config.aggregate.orders.csv' }, { cause: error });
    }
    return { feed: 'csv', ...readOrdersCsv(text, orders.csv) };
  }
  const kafka = orders.kafka!;
  return { feed: 'kafka', ...(await readOrderTopic({ bootstrap: kafka.bootstrap ?? sinkBootstrap!, topic: kafka.topic })) };
}
