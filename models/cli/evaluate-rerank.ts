import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseItemAttributes } from './datasets/item-attributes.js';
import { parseS3rec } from './datasets/s3rec-format.js';
import { ModelRuntime } from '../../src/model/model-runtime.js';
import { fuseWithModel } from '../../src/search/rerank.js';
import { parseArgs } from './args.js';
import { EVALUATE_RERANK } from './commands.js';
import { readBundle } from './bundle-files.js';
import { createError, ERROR_CODES } from '../../src/core/errors.js';

/** A category set smaller than this is too easy to rank; the protocol takes the most specific attribute with at least this many items. */
const MIN_CANDIDATES = 20;

/**
 * `evaluate-rerank --events s3rec_Beauty.txt --attributes s3rec_Beauty_item2attributes.json --model DIR [--json]`
 *
 * Personalization on real behaviour. For every user: the held-out item is the last one (leave-one-out; the model must
 * be trained on the training part only); the candidates are the items that share the held-out item's most specific
 * attribute (the attribute with the fewest items, among those with at least 20; S3-Rec's attributes are categories and
 * brands as anonymous ids), minus the user's earlier items; the un-personalized order is training popularity. The
 * held-out item's MRR is reported in that order and after `rerank()`'s fusion with the model's scores for the user's
 * history — the same runtime (`ModelRuntime`) and the same fusion (`fuseWithModel`) the worker runs.
 */
export async function evaluateRerankCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(EVALUATE_RERANK, argv);
  const data = parseS3rec(readFileSync(args.str('events'), 'utf8'));
  const attrs = parseItemAttributes(readFileSync(args.str('attributes'), 'utf8'), data.itemIds);
  const { manifest, ...bundle } = await readBundle(args.str('model'));
  if (manifest.training?.split !== 'leave-one-out') {
    throw createError(ERROR_CODES.INVALID_OPTION, { field: '--model', requirement: 'must be a bundle trained with --split leave-one-out (this one saw the held-out items)' });
  }
  const require = createRequire(import.meta.url);
  const runtime = await ModelRuntime.load({ manifest, ...bundle }, {
    preference: 'wasm',
    wasmPath: `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/')}`,
    onBackend: () => {},
  });
  const limit = args.num('users');

  // Popularity over the training part (everything but each user's last two items), and items per attribute.
  const popularity = new Float64Array(data.itemIds.length + 1);
  for (const seq of data.items) for (const i of seq.slice(0, -2)) popularity[i]! += 1;
  const itemsOf = new Map<number, number[]>();
  attrs.attributes.forEach((list, item) => {
    for (const a of list) {
      if (a === 0) continue;
      let items = itemsOf.get(a);
      if (!items) itemsOf.set(a, (items = []));
      items.push(item);
    }
  });
  for (const items of itemsOf.values()) items.sort((x, y) => popularity[y]! - popularity[x]! || x - y);

  let users = 0;
  let mrrBefore = 0;
  let mrrAfter = 0;
  let better = 0;
  let worse = 0;
  let candidates = 0;
  const step = limit > 0 ? Math.max(1, Math.floor(data.items.length / limit)) : 1;
  for (let u = 0; u < data.items.length; u += step) {
    const seq = data.items[u]!;
    if (seq.length < 3) continue;
    const target = seq[seq.length - 1]!;
    const history = seq.slice(0, -1);
    const own = new Set(history);
    const options = (attrs.attributes[target] ?? []).map((a) => itemsOf.get(a) ?? []).filter((items) => items.length >= MIN_CANDIDATES);
    if (options.length === 0) continue;
    const pool = options.reduce((a, b) => (b.length < a.length ? b : a));
    const list = pool.filter((i) => i === target || !own.has(i)).map((i) => data.itemIds[i - 1]!);
    const scores = await runtime.score(history.map((i) => data.itemIds[i - 1]!));
    if (!scores) continue;
    const targetId = data.itemIds[target - 1]!;
    const before = list.indexOf(targetId) + 1;
    const fused = fuseWithModel(list, (id) => {
      const index = runtime.indexOf(id);
      return index === undefined ? undefined : scores[index];
    });
    const after = fused.findIndex((f) => f.id === targetId) + 1;
    users++;
    candidates += list.length;
    mrrBefore += 1 / before;
    mrrAfter += 1 / after;
    if (after < before) better++;
    else if (after > before) worse++;
  }
  const result = {
    users,
    mean_candidates: Number((candidates / users).toFixed(1)),
    protocol: 'held-out last item; candidates share its most specific attribute (>= 20 items); un-personalized order = training popularity; re-rank = reciprocal rank fusion (k = 60) with the model scores for the history',
    model: args.str('model'),
    mrr_unpersonalized: Number((mrrBefore / users).toFixed(4)),
    mrr_reranked: Number((mrrAfter / users).toFixed(4)),
    users_ranked_higher: better,
    users_ranked_lower: worse,
  };
  const out = args.get('out');
  const path = typeof out === 'string' ? out : 'bench/results/rerank.json';
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  console.log(args.flag('json') ? JSON.stringify(result) : result);
  runtime.dispose();
}
