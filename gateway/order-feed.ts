import { splitCsvLine } from '../src/core/csv-line.js';

/**
 * The store's order feed: what its backend already knows was bought, read by the aggregator for best-sellers and
 * bought-together pairs (order-priors.ts). Two forms, one meaning; each order names the items it contains and when:
 *
 * - a CSV export, one line per order line, with a header naming at least `order_id`, `item_id` and `time` (and
 *   optionally `quantity`; other columns are ignored): `order_id,item_id,quantity,time` / `o-1001,mug-red,2,2026-11-27T10:31:00Z`
 * - a Kafka topic the store's backend writes, one record per order, its value JSON:
 *   `{"orderId":"o-1001","time":"2026-11-27T10:31:00Z","lines":[{"itemId":"mug-red","quantity":2}]}`
 *
 * `time` is an ISO 8601 date (`2026-11-27`, UTC) or date-time with `Z` or an offset. Nothing about the customer is
 * read (a customer id column is ignored). An order seen twice (a re-export, a producer retry) counts once: the last
 * one read wins, so an order edited later is counted as it ended up.
 */
export interface Order {
  orderId: string;
  /** When it was placed, ms since the epoch. */
  time: number;
  /** The distinct items it contains. */
  items: string[];
}

export interface OrderFeedRead {
  orders: Order[];
  /** Rows or records that could not be read (skipped), and the first few reasons. */
  skipped: number;
  problems: string[];
}

const MAX_PROBLEMS = 10;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date (UTC midnight) or date-time with a zone, as ms; NaN otherwise. */
export function orderTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  if (DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return new Date(ms).toISOString().slice(0, 10) === value ? ms : Number.NaN;
  }
  return DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
}

const ID = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

/** Checks one order record of the Kafka form (parsed JSON); never throws. */
export function checkOrder(value: unknown): { ok: true; order: Order } | { ok: false; message: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'must be a JSON object { orderId, time, lines }' };
  const o = value as Record<string, unknown>;
  if (!ID(o.orderId)) return { ok: false, message: 'orderId must be a non-empty string' };
  const time = orderTime(o.time);
  if (Number.isNaN(time)) return { ok: false, message: `order ${o.orderId}: time must be an ISO 8601 date or date-time with a zone (got ${JSON.stringify(o.time)?.slice(0, 40)})` };
  if (!Array.isArray(o.lines) || o.lines.length === 0) return { ok: false, message: `order ${o.orderId}: lines must be a non-empty array of { itemId, quantity }` };
  const items = new Set<string>();
  for (const [i, line] of o.lines.entries()) {
    const itemId = (line as { itemId?: unknown } | null)?.itemId;
    if (!ID(itemId)) return { ok: false, message: `order ${o.orderId}: lines[${i}].itemId must be a non-empty string` };
    items.add(itemId);
  }
  return { ok: true, order: { orderId: o.orderId, time, items: [...items] } };
}

/** Collects orders by id (the last one read wins) and the problems of what was skipped. */
export class OrderCollector {
  private readonly byId = new Map<string, Order>();
  skipped = 0;
  readonly problems: string[] = [];

  add(order: Order): void {
    this.byId.delete(order.orderId); // the last one read wins, and keeps the order of arrival
    this.byId.set(order.orderId, order);
  }

  skip(message: string): void {
    this.skipped += 1;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }

  result(): OrderFeedRead {
    return { orders: [...this.byId.values()], skipped: this.skipped, problems: this.problems };
  }
}

/** Reads a CSV export of order lines (see {@link Order}); `name` names the file in problems. */
export function readOrdersCsv(text: string, name: string): OrderFeedRead {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const col = (n: string) => header.indexOf(n);
  const [order, item, time] = [col('order_id'), col('item_id'), col('time')];
  if (order < 0 || item < 0 || time < 0) {
    throw new Error(`edgereco aggregator: ${name} must start with a header naming order_id, item_id and time (and optionally quantity); it starts ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  }
  const collector = new OrderCollector();
  const open = new Map<string, Order>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const fields = splitCsvLine(lines[i]!);
    const orderId = fields[order]?.trim();
    const itemId = fields[item]?.trim();
    const at = orderTime(fields[time]?.trim());
    if (!ID(orderId) || !ID(itemId) || Number.isNaN(at)) {
      collector.skip(`${name} line ${i + 1}: needs an order_id, an item_id and a time (ISO 8601 date or date-time with a zone)`);
      continue;
    }
    let current = open.get(orderId);
    if (!current) open.set(orderId, (current = { orderId, time: at, items: [] }));
    if (!current.items.includes(itemId)) current.items.push(itemId);
  }
  for (const o of open.values()) collector.add(o);
  return collector.result();
}
