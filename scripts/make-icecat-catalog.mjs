// Derives the committed Icecat electronics catalog and its relevance judgments from the Chorus snapshot in ../shared/data
// (issue 4). Run once; the outputs under demo/data/icecat/ are committed so a fresh clone runs the demo and
// `edgereco evaluate-search` without ../shared. The output is a pure function of the input files (sorted, no clock, no
// randomness; Node's gzip header carries no timestamp).
// Usage: node scripts/make-icecat-catalog.mjs [path/to/icecat-chorus]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { ROOT } from './serve.mjs';

const source = process.argv[2] ?? `${ROOT}/../shared/data/catalog/icecat-chorus`;
const OUT = `${ROOT}/demo/data/icecat`;
const FORMAT_VERSION = 1;
/** Longest kept description and attribute value, in characters: keeps the committed file small. */
const MAX_DESCRIPTION = 240;
const MAX_ATTRIBUTE = 80;

/**
 * Text attributes a shopper would search or filter by (colour, kind, compatibility, technology). Chosen from the most
 * frequent `attr_t_*` keys of the catalog, leaving out logistics and test conditions (temperatures, humidity,
 * dimensions, pallet sizes, certifications, country of origin, HS codes, OEM codes).
 */
const TEXT_ATTRIBUTES = [
  'product_colour', 'type', 'product_type', 'product_family', 'compatibility', 'brand_compatibility', 'printing_colours',
  'print_technology', 'ink_type', 'material', 'form_factor', 'connectivity_technology', 'processor_family',
  'processor_manufacturer', 'market_segment', 'battery_technology', 'battery_type', 'cable_type', 'interface',
  'pointing_device', 'optical_drive_type', 'storage_media', 'hd_type', 'audio_system', 'recommended_usage',
  'internal_memory_type', 'operating_system_installed', 'display', 'connector_1', 'connector_2', 'shape',
];
/** Boolean features kept when true (rendered by the index as their words, e.g. "wi fi"). */
const BOOLEAN_ATTRIBUTES = [
  'bluetooth', 'wi_fi', 'rechargeable', 'touchscreen', 'ethernet_lan', 'built_in_microphone', 'numeric_keypad',
  'led_backlight', 'front_camera', 'duplex_printing', 'built_in_speaker_s_', 'handheld_remote_control', 'usb_port',
];

/**
 * Category paths, derived because Icecat's export has none. The first rule with a word (or two-word phrase) in the
 * product's title or `attr_t_product_type` wins, so specific rules come first. Words come from the catalog's most
 * frequent title nouns; the names use common shopper words ("Laptops & notebooks"). These are ours, not Icecat's.
 */
const CATEGORY_RULES = [
  ['Printing > Ink & toner', ['toner', 'ink', 'cartridge', 'singlepack', 'multipack', 'drum', 'fuser', 'ribbon', 'waste toner', 'photoconductor']],
  ['Printing > Paper & labels', ['paper', 'labels', 'label', 'sheets', 'photo paper', 'film', 'canvas', 'textile']],
  ['Printing > Printers & scanners', ['printer', 'printers', 'laserjet', 'officejet', 'deskjet', 'inkjet', 'scanner', 'multifunctional', 'plotter', 'designjet', 'skrivare']],
  ['Cables & adapters > Network cables', ['patch', 'utp', 'cat5e', 'cat6', 'cat6a', 'cat5', 'fiber', 'fibre', 'networking cable', 'rj45', 'crossover']],
  ['Cables & adapters > Power', ['power cord', 'power cable', 'extension cord', 'power adapter', 'ac adapter', 'power plug', 'surge', 'pdu', 'power distribution', 'power supply', 'charger']],
  ['Cables & adapters > Audio & video cables', ['hdmi', 'vga', 'dvi', 'displayport', 'coax', 'rca', 'audio cable', 'video cable', 'av cable']],
  ['Cables & adapters > USB & data cables', ['usb cable', 'serial', 'sata cable', 'kvm cable', 'usb']],
  ['Cables & adapters > Other cables & adapters', ['cable', 'cables', 'adapter', 'converter', 'connector', 'splitter', 'cord', 'gender changer']],
  ['Power > UPS & batteries', ['ups', 'uninterruptible', 'battery', 'batteries', 'power bank', 'mah']],
  ['Computers > Laptops & notebooks', ['notebook', 'laptop', 'chromebook', 'netbook', 'hybrid (2-in-1)', 'mobile workstation']],
  ['Computers > Tablets', ['tablet', 'ipad', 'galaxy tab']],
  ['Computers > Desktops & servers', ['pc', 'desktop', 'workstation', 'server', 'all-in-one', 'barebone', 'thin client']],
  ['Computer components > Processors', ['processor', 'xeon', 'pentium', 'celeron', 'opteron', 'athlon', 'ryzen']],
  ['Computer components > Memory', ['dimm', 'sodimm', 'ddr', 'ddr2', 'ddr3', 'ddr4', 'memory module', 'ram']],
  ['Computer components > Storage', ['ssd', 'hdd', 'hard drive', 'hard disk', 'nas', 'flash drive', 'memory card', 'sd', 'microsd', 'tape', 'optical drive', 'optical disc drive', 'dvd', 'cd-r', 'dvd+/-rw', 'blu-ray']],
  ['Computer components > Boards, cards & cases', ['motherboard', 'desktop board', 'graphics card', 'network card', 'interface card', 'raid', 'controller', 'chassis', 'case fan', 'fan', 'heatsink', 'cooling', 'pci', 'module']],
  ['Networking', ['switch', 'router', 'access point', 'network', 'ethernet', 'gigabit', 'transceiver', 'media converter', 'modem', 'wi-fi', 'wlan']],
  ['Monitors, TVs & projectors', ['monitor', 'display', 'tv', 'television', 'projector', 'lamp', 'projection screen', 'lcd', 'led']],
  ['Audio > Headphones & headsets', ['headphones', 'headset', 'earphones', 'earbuds', 'headphone']],
  ['Audio > Speakers & players', ['speaker', 'speakers', 'soundbar', 'radio', 'player', 'hi-fi', 'microphone', 'amplifier']],
  ['Cameras & photo', ['camera', 'camcorder', 'lens', 'tripod', 'flash', 'binoculars']],
  ['Phones & wearables', ['phone', 'smartphone', 'mobile phone', 'iphone', 'smartwatch', 'watch', 'handheld']],
  ['Input devices', ['keyboard', 'mouse', 'mice', 'trackball', 'presenter', 'graphic tablet', 'mouse pad', 'keypad']],
  ['Bags, cases & mounts', ['bag', 'backpack', 'case', 'sleeve', 'cover', 'mount', 'bracket', 'stand', 'rack', 'holder', 'arm']],
  ['Home & personal care', ['coffee', 'espresso', 'kettle', 'fryer', 'shaver', 'trimmer', 'clipper', 'toothbrush', 'iron', 'vacuum', 'blender', 'grinder']],
  ['Toys & crafts', ['doll', 'toy', 'kids', 'beads', 'paw patrol', 'playhouse', 'lego', 'puzzle', 'game', 'figures', 'figure', 'pieces', 'sylvanian']],
  ['Software', ['software', 'license', 'windows', 'office']],
  ['Cables & adapters > USB & data cables', ['hub', 'docking station', 'port replicator']],
];

/** Reads the one file of a zip archive (stored or deflated) without a dependency. */
function readZipEntry(path) {
  const buf = readFileSync(path);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${path}: not a zip archive`);
  const central = buf.readUInt32LE(eocd + 16);
  if (buf.readUInt32LE(central) !== 0x02014b50) throw new Error(`${path}: bad central directory`);
  const method = buf.readUInt16LE(central + 10);
  const size = buf.readUInt32LE(central + 20);
  const local = buf.readUInt32LE(central + 42);
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const data = buf.subarray(start, start + size);
  if (method === 0) return data;
  if (method === 8) return inflateRawSync(data);
  throw new Error(`${path}: unsupported zip method ${method}`);
}

function clean(text, max) {
  const s = String(text).replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

const RULE_MATCHERS = CATEGORY_RULES.map(([category, words]) => [category, words.map((w) => ` ${w} `)]);

const wordsOf = (s) => ` ${String(s ?? '').toLowerCase().replace(/[^a-z0-9()+/-]+/g, ' ')} `;

/** Title and product type first; the short description only when they match no rule. */
function categorize(product) {
  for (const text of [wordsOf(`${product.title} ${product.attr_t_product_type ?? ''}`), wordsOf(product.short_description)]) {
    for (const [category, words] of RULE_MATCHERS) if (words.some((w) => text.includes(w))) return category;
  }
  return 'Other electronics';
}

function toItem(p) {
  const item = { id: String(p.id), title: clean(p.title, 300), category: categorize(p), brand: clean(p.supplier, 60) };
  if (typeof p.price === 'number' && p.price > 0) {
    item.price = Math.round(p.price) / 100; // Chorus prices look like US cents (see PROVENANCE.md); illustrative only.
    item.currency = 'USD';
  }
  if (p.short_description) {
    const d = clean(p.short_description, MAX_DESCRIPTION);
    if (d && d !== item.title) item.description = d;
  }
  const attributes = {};
  for (const key of TEXT_ATTRIBUTES) {
    const v = p[`attr_t_${key}`];
    if (typeof v === 'string' && v.trim() && v.trim() !== '1') attributes[key] = clean(v, MAX_ATTRIBUTE);
  }
  for (const key of BOOLEAN_ATTRIBUTES) if (p[`attr_b_${key}`] === true) attributes[key] = true;
  if (Object.keys(attributes).length > 0) item.attributes = attributes;
  if (p.img_500x500) item.image = p.img_500x500;
  return item;
}

const products = [];
for (const n of [1, 2, 3, 4]) products.push(...JSON.parse(readZipEntry(`${source}/raw/${n}.json.zip`).toString('utf8')));
const items = products.map(toItem).sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));
const ids = new Set(items.map((i) => i.id));
if (ids.size !== items.length) throw new Error('duplicate product ids in the source');

const [header, ...rows] = readFileSync(`${source}/judgments/Broad_Query_Set_rated.csv`, 'utf8').trim().split(/\r?\n/);
if (header !== 'query,docid,rating') throw new Error(`unexpected judgments header: ${header}`);
const judgments = rows.map((line) => {
  const m = /^(.*),(\d+),([0-3])$/.exec(line);
  if (!m) throw new Error(`unexpected judgments row: ${line}`);
  if (!ids.has(m[2])) throw new Error(`judged product ${m[2]} is not in the catalog`);
  return { query: m[1].replace(/^"|"$/g, '').trim(), id: m[2], grade: Number(m[3]) };
}).sort((a, b) => a.query.localeCompare(b.query) || Number(a.id) - Number(b.id));

const catalogDoc = { format: 'edgereco-catalog', version: FORMAT_VERSION, source: 'Open Icecat via querqy/chorus; see ATTRIBUTION.md', items };
const judgmentsDoc = { format: 'edgereco-judgments', version: FORMAT_VERSION, source: 'querqy/chorus katas/Broad_Query_Set_rated.csv (Apache-2.0); see ATTRIBUTION.md', judgments };

mkdirSync(OUT, { recursive: true });
const catalogGz = gzipSync(JSON.stringify(catalogDoc), { level: 9 });
writeFileSync(`${OUT}/catalog.json.gz`, catalogGz);
writeFileSync(`${OUT}/judgments.json`, `${JSON.stringify(judgmentsDoc).replace(/\},\{/g, '},\n{')}\n`);

const byCategory = new Map();
for (const i of items) byCategory.set(i.category, (byCategory.get(i.category) ?? 0) + 1);
console.log(`wrote ${items.length} products (${(catalogGz.length / 1e6).toFixed(2)} MB gzip) to demo/data/icecat/catalog.json.gz`);
console.log(`wrote ${judgments.length} judgments over ${new Set(judgments.map((j) => j.query)).size} queries to demo/data/icecat/judgments.json`);
for (const [c, n] of [...byCategory].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${c}`);
