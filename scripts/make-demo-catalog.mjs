// Derives the demo storefront's catalog from the UCI Online Retail product summary in ../shared/data (run once; the
// output, demo/data/retail-products.json, is committed so a fresh clone runs the demo without ../shared).
// Usage: node scripts/make-demo-catalog.mjs [path/to/products.csv]
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ROOT } from './serve.mjs';

const source = process.argv[2] ?? `${ROOT}/../shared/data/retail/derived/products.csv`;
const LIMIT = 600;

/** Categories from the product names: the first rule whose word appears wins. Order matters (specific first). */
const RULES = [
  ['Bags', ['BAG', 'TOTE', 'SHOPPER', 'PURSE']],
  ['Lighting', ['LIGHT', 'LANTERN', 'LAMP', 'T-LIGHT', 'TEALIGHT', 'CANDLE', 'HOLDER']],
  ['Kitchen', ['CAKESTAND', 'MUG', 'CUP', 'PLATE', 'BOWL', 'TEAPOT', 'JUG', 'CAKE', 'BAKING', 'LUNCH', 'TIN', 'JAR', 'SPOON', 'NAPKIN', 'APRON', 'TRAY', 'BOTTLE', 'CUTLERY', 'EGG']],
  ['Stationery', ['CARD', 'PAPER', 'NOTEBOOK', 'PENCIL', 'PEN ', 'WRAP', 'STICKER', 'TAPE', 'ENVELOPE', 'CALENDAR', 'BOOK']],
  ['Christmas', ['CHRISTMAS', 'XMAS', 'SNOWFLAKE', 'SANTA', 'REINDEER', 'ADVENT']],
  ['Decor', ['FRAME', 'SIGN', 'HEART', 'CLOCK', 'MIRROR', 'DOORSTOP', 'CUSHION', 'BUNTING', 'GARLAND', 'DECORATION', 'HANGING', 'WREATH', 'VASE', 'ORNAMENT']],
  ['Garden', ['GARDEN', 'PLANT', 'FLOWER', 'BIRD', 'WATERING', 'POT ']],
  ['Toys & games', ['TOY', 'GAME', 'DOLL', 'PUZZLE', 'DOMINO', 'SKITTLES', 'JIGSAW', 'SPACEBOY', 'DOLLY', 'BALLOON', 'PARTY']],
  ['Storage', ['BOX', 'BASKET', 'HOOK', 'DRAWER', 'CASE', 'CABINET', 'RACK']],
  ['Fashion & accessories', ['HAIR', 'NECKLACE', 'BRACELET', 'EARRINGS', 'UMBRELLA', 'GLOVES', 'HAT', 'SCARF', 'WALLET', 'KEY']],
];

function parseCsvLine(line) {
  const out = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    }
    else field += c;
  }
  out.push(field);
  return out;
}

function titleCase(s) {
  return s.toLowerCase().replace(/\b([a-z])/g, (m) => m.toUpperCase()).replace(/\s+/g, ' ').trim();
}

function categorize(name) {
  // Whole words, singular or plural: "BUNTING" is not a "TIN".
  const tokens = new Set(name.toUpperCase().split(/[^A-Z-]+/).flatMap((t) => [t, t.replace(/E?S$/, '')]));
  for (const [category, words] of RULES) if (words.some((w) => tokens.has(w.trim()))) return category;
  return 'Gifts';
}

const [header, ...lines] = readFileSync(source, 'utf8').trim().split('\n');
const cols = parseCsvLine(header);
const at = (row, name) => row[cols.indexOf(name)];
const products = lines
  .map(parseCsvLine)
  .filter((row) => at(row, 'standard_code') === '1' && Number(at(row, 'price_median')) > 0 && at(row, 'description'))
  .map((row) => ({
    id: at(row, 'stock_code'),
    title: titleCase(at(row, 'description')),
    category: categorize(at(row, 'description')),
    price: Number(at(row, 'price_median')),
    currency: 'GBP',
    available: true,
    popularity: Number(at(row, 'customers')),
  }))
  .sort((a, b) => b.popularity - a.popularity)
  .slice(0, LIMIT);
writeFileSync(`${ROOT}/demo/data/retail-products.json`, JSON.stringify(products) + '\n');
console.log(`wrote ${products.length} products to demo/data/retail-products.json`);

// "Trending": the shop's own sales (not shopper data from browsers): invoices per product in the data's last 30 days.
const part2 = `${ROOT}/../shared/data/retail/online_retail_part2_2011-08-01_2011-12-09.csv.gz`;
const rows = gunzipSync(readFileSync(part2)).toString('utf8').trim().split('\n').slice(1).map(parseCsvLine);
const last = rows.reduce((m, r) => (r[4] > m ? r[4] : m), '');
const since = new Date(new Date(`${last.slice(0, 10)}T00:00:00Z`).getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
const known = new Set(products.map((p) => p.id));
const invoices = new Map();
for (const [invoice, code, , quantity, date] of rows) {
  if (date.slice(0, 10) < since || Number(quantity) <= 0 || invoice.startsWith('C') || !known.has(code)) continue;
  if (!invoices.has(code)) invoices.set(code, new Set());
  invoices.get(code).add(invoice);
}
const trending = [...invoices].map(([id, set]) => ({ id, invoices: set.size })).sort((a, b) => b.invoices - a.invoices || (a.id < b.id ? -1 : 1)).slice(0, 8);
writeFileSync(`${ROOT}/demo/data/trending.json`, JSON.stringify({ from: since, to: last.slice(0, 10), items: trending }) + '\n');
console.log(`wrote demo/data/trending.json (${since} to ${last.slice(0, 10)})`);
