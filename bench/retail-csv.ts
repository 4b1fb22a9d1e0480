/**
 * A store's export made from the UCI Online Retail customers (issue 19's fourth data set): every purchase line with a
 * customer id, not a cancellation, quantity and price above 0, an item once per invoice, as
 * `user_id,item_id,timestamp,event_type` rows in time order (ISO 8601 times; the lines of an invoice share its time).
 * No k-core and no other filtering: what a store's own export would hold.
 *
 *   npx tsx bench/retail-csv.ts ../shared/data/retail /tmp/retail-customers.csv
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { customerPurchases } from '../models/cli/datasets/online-retail-sequences.js';
import { readOnlineRetailFolder } from '../models/cli/read-events.js';

const [folder = '../shared/data/retail', out = 'bench/tmp/retail-customers.csv'] = process.argv.slice(2);
const purchases = customerPurchases(readOnlineRetailFolder(folder)).sort((a, b) => a.minute - b.minute || a.order - b.order);
const lines = ['user_id,item_id,timestamp,event_type'];
for (const p of purchases) lines.push(`${p.user},${p.item},${new Date(p.minute * 60_000).toISOString()},purchase`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${lines.join('\n')}\n`);
const users = new Set(purchases.map((p) => p.user)).size;
const items = new Set(purchases.map((p) => p.item)).size;
console.log(`wrote ${out}: ${purchases.length} purchases, ${users} customers, ${items} items`);
