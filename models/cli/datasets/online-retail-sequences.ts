import { SequenceBuilder } from './sequence-builder.js';
import type { SequenceDataset } from './sequence-dataset.js';
import { kCore } from './k-core.js';
import { seededRandom } from '../../../src/core/seeded-random.js';
import type { OnlineRetailRow } from './online-retail.js';

export interface Interaction {
  user: string;
  item: string;
  minute: number;
  order: number;
}

/**
 * The published "OR" preprocessing (UniSRec/VQ-Rec `process_or.py`): a sequence is an invoice; rows with an empty
 * Description are dropped; interactions are the distinct (InvoiceNo, StockCode, Quantity, minute) tuples; iterative
 * 5-core on invoices and items; each invoice sorted by time. Cancellations are kept, as in the paper. Expected: 16,520
 * invoices, 3,469 items, 519,906 interactions.
 *
 * All lines of an invoice share one time, so the order inside an invoice is the ties' order. The published script
 * collects the interactions in a set and sorts by time, which leaves ties in arbitrary (hash) order: `ties: 'shuffle'`
 * (the default) reproduces that with a seeded shuffle. `ties: 'lines'` keeps the retailer's line order instead, which
 * is a much easier task (a clerk enters related items one after another).
 */
export function onlineRetailInvoiceSequences(rows: readonly OnlineRetailRow[], k = 5, ties: 'shuffle' | 'lines' = 'shuffle', seed = 1): SequenceDataset {
  const seen = new Set<string>();
  const interactions: Interaction[] = [];
  for (const row of rows) {
    if (row.description === '') continue;
    const key = `${row.invoiceNo}\u0000${row.stockCode}\u0000${row.quantity}\u0000${row.minute}`;
    if (seen.has(key)) continue;
    seen.add(key);
    interactions.push({ user: row.invoiceNo, item: row.stockCode, minute: row.minute, order: interactions.length });
  }
  const kept = kCore(interactions, k, k);
  if (ties === 'shuffle') {
    // Shuffle each invoice's interactions (invoices keep their order); the builder's stable sort by time then leaves
    // the ties shuffled.
    const random = seededRandom(seed);
    const byInvoice = new Map<string, Interaction[]>();
    for (const x of kept) {
      const list = byInvoice.get(x.user);
      if (list) list.push(x);
      else byInvoice.set(x.user, [x]);
    }
    kept.length = 0;
    for (const list of byInvoice.values()) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      kept.push(...list);
    }
  }
  const builder = new SequenceBuilder();
  for (const x of kept) builder.add(x.user, x.item, x.minute * 60_000, 'purchase');
  return builder.build();
}

/** Options for {@link onlineRetailCustomerSequences}. */
export interface CustomerSequenceOptions {
  /** Minimum interactions per customer and per item (iterative k-core); 0 disables. Default 5. */
  k?: number;
}

/**
 * Each customer's purchases as a store would use them: rows with a CustomerID, not a cancellation (`C…` invoice),
 * `Quantity > 0` and `UnitPrice > 0`, StockCode upper-cased; baskets ordered by InvoiceDate, line order inside a basket,
 * an item once per basket.
 */
export function onlineRetailCustomerSequences(
  rows: readonly OnlineRetailRow[],
  options: CustomerSequenceOptions = {},
): SequenceDataset {
  const k = options.k ?? 5;
  const interactions = customerPurchases(rows);
  const kept = k > 0 ? kCore(interactions, k, k) : interactions;
  const builder = new SequenceBuilder();
  for (const x of kept) builder.add(x.user, x.item, x.minute * 60_000, 'purchase');
  return builder.build();
}

/** The purchases {@link onlineRetailCustomerSequences} keeps, in file order, before the k-core. */
export function customerPurchases(rows: readonly OnlineRetailRow[]): Interaction[] {
  const seen = new Set<string>();
  const interactions: Interaction[] = [];
  for (const row of rows) {
    if (row.customerId === '' || row.invoiceNo.startsWith('C') || !(row.quantity > 0) || !(row.unitPrice > 0)) continue;
    const item = row.stockCode.toUpperCase();
    const key = `${row.invoiceNo}\u0000${item}`;
    if (seen.has(key)) continue;
    seen.add(key);
    interactions.push({ user: row.customerId, item, minute: row.minute, order: interactions.length });
  }
  return interactions;
}
