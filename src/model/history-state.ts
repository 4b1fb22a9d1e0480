import { IncrementalReach, INCREMENTAL_REACH_MAX_ITEMS, neighbourReach, type NeighbourLists } from './cooccurrence-walk.js';
import type { NamedArray } from './model-bundle.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS } from './model-bundle.js';
import { NO_MEMORY, type SasrecConfig } from './sasrec-config.js';
import { createError, ERROR_CODES } from '../core/errors.js';
import { matMat, paddedColumns, simdProduct, type MatrixProduct } from './matrix-product.js';

/** One block's parameters as flat row-major float arrays (dense weights `[in, out]`). */
interface PlainBlock {
  ln1Gamma: Float32Array;
  ln1Beta: Float32Array;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  ln2Gamma: Float32Array;
  ln2Beta: Float32Array;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
  /** `[wq | wk | wv]` and `[wk | wv]` side by side (`[dim, 3 dim]`, `[dim, 2 dim]`): one product per block. */
  wqkv: Float32Array;
  wkv: Float32Array;
}

/**
 * The model for inference as plain arrays: what the worker and the evaluation CLI run to turn a history into the
 * shopper's state. `table` is the item vector table the model reads and scores with (`[numItems + 1, dim]`: the id
 * embedding plus, for a model with attributes, the mean of the item's attribute embeddings).
 */
export interface PlainSasrec {
  config: SasrecConfig;
  table: Float32Array;
  /** `[maxLength, dim]` by recency (`positions` `recency`; empty otherwise). */
  position: Float32Array;
  blocks: PlainBlock[];
  lnFinalGamma: Float32Array;
  lnFinalBeta: Float32Array;
  /** `[blocks × heads, maxLength]`: each block's and head's attention bias by distance from the attending position (`positions` `distance`). */
  distanceBias?: Float32Array;
  /** `[eventTypes, dim]` and `[gapBuckets, dim]`, for a model that reads event features. */
  typeEmbedding?: Float32Array;
  gapEmbedding?: Float32Array;
  /** `log(1 + count)` per item in the training data (`[numItems + 1]`), for a model with a popularity prior. */
  itemPrior?: Float32Array;
  /** Each item's co-occurring items and their weights, for a model with a co-occurrence memory (see `addCooccurrence`). */
  neighbours?: NeighbourLists;
  /**
   * An ensemble's members (`config.members > 1`): the state is theirs side by side, each divided by their number, and
   * `table` their item vectors side by side, so one dot product averages their scores. The ensemble's own blocks are
   * empty.
   */
  members?: PlainSasrec[];
}

/** Event features of a history, parallel to its items (see `EventFeatures` in core/featurize). */
export interface StateFeatures {
  types: readonly number[];
  gaps: readonly number[];
}

/**
 * Builds the plain model from named arrays (a decoded bundle's tensors, or `exportWeights`). `attributes` is the item
 * attribute table `[numItems + 1, maxAttributes]` of a model with attributes.
 */
export function plainSasrec(config: SasrecConfig, arrays: readonly NamedArray[], attributes?: Int32Array): PlainSasrec {
  if (config.members > 1) return plainEnsemble(config, arrays, attributes);
  const named = new Map(arrays.map((a) => [a.name, a.data]));
  const get = (name: string): Float32Array => {
    const data = named.get(name);
    if (!data) throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: `its weights lack ${name}` });
    return data;
  };
  const keys = ['ln1Gamma', 'ln1Beta', 'wq', 'wk', 'wv', 'wo', 'ln2Gamma', 'ln2Beta', 'w1', 'b1', 'w2', 'b2'] as const;
  const blocks = Array.from({ length: config.blocks }, (_, i): PlainBlock => {
    const b = {} as Record<(typeof keys)[number], Float32Array>;
    for (const k of keys) b[k] = get(`blocks.${i}.${k}`);
    return { ...b, wqkv: sideBySide([b.wq, b.wk, b.wv], config.dim), wkv: sideBySide([b.wk, b.wv], config.dim) };
  });
  return {
    config,
    table: itemVectors(config, get('itemEmbedding'), config.numAttributes > 0 ? named.get('attributeEmbedding') : undefined, attributes),
    position: config.positions === 'recency' ? get('positionEmbedding') : new Float32Array(0),
    ...(config.positions === 'distance' ? { distanceBias: get('distanceBias') } : {}),
    blocks,
    lnFinalGamma: get('lnFinalGamma'),
    lnFinalBeta: get('lnFinalBeta'),
    ...(config.eventTypes > 0 ? { typeEmbedding: get('typeEmbedding') } : {}),
    ...(config.gapBuckets > 0 ? { gapEmbedding: get('gapEmbedding') } : {}),
    ...(config.priorWeight > 0 ? { itemPrior: get('itemPrior') } : {}),
    ...(config.neighbourWeight > 0 ? { neighbours: neighbourLists(arrays) } : {}),
  };
}

/** The co-occurrence lists of a model's named arrays (see `NEIGHBOUR_COUNTS` in model-bundle). */
function neighbourLists(arrays: readonly NamedArray[]): NeighbourLists {
  const get = (name: string): Float32Array => {
    const found = arrays.find((a) => a.name === name);
    if (!found) throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: `its weights lack ${name}` });
    return found.data;
  };
  const counts = get(NEIGHBOUR_COUNTS);
  const offsets = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  return { offsets, ids: Int32Array.from(get(NEIGHBOUR_IDS)), sims: get(NEIGHBOUR_WEIGHTS) };
}

/**
 * Adds a model's co-occurrence memory to its scores for a history (item indices, oldest first): for each item,
 * `neighbourWeight × log(1 + Σ weight(h → item))` over the distinct items h of the last `maxLength` of the history,
 * the sum including the longer paths h → m → item (and one step more) of a memory with `neighbourHops` > 1 (see
 * `neighbourSums`). Items no list reaches get nothing. `terms`: the history's {@link memoryTerms} when the caller keeps
 * them (the worker, while the history is unchanged). The worker and the evaluation CLI both call this.
 */
export function addCooccurrence(
  model: PlainSasrec,
  history: readonly number[],
  scores: Float32Array,
  terms: MemoryTerms | null = memoryTerms(model, history),
): Float32Array {
  if (!terms) return scores;
  const { items, terms: values } = terms;
  for (let r = 0; r < items.length; r++) if (items[r]! < scores.length) scores[items[r]!]! += values[r]!;
  return scores;
}

/** The co-occurrence memory's term for each item a history's walk reached (`items`, each once); other items get none. */
export interface MemoryTerms {
  items: Int32Array;
  terms: Float32Array;
}

/**
 * The memory's terms for a history (what {@link addCooccurrence} adds), or null when it adds nothing: only the items
 * the walk reached, so the work is the paths walked, not the catalog.
 */
export function memoryTerms(model: PlainSasrec, history: readonly number[]): MemoryTerms | null {
  const lists = model.neighbours;
  if (!lists || history.length === 0) return null;
  const { maxLength, neighbourWeight, neighbourHops, neighbourPathWeight } = model.config;
  const { items, sums } = neighbourReach(lists, history, maxLength, neighbourHops, neighbourPathWeight);
  const terms = new Float32Array(items.length);
  for (let r = 0; r < items.length; r++) if (sums[r]! > 0) terms[r] = memoryTerm(sums[r]!, neighbourWeight);
  return { items, terms };
}

const followed = new WeakMap<PlainSasrec, IncrementalReach>();

/**
 * {@link memoryTerms} for a caller that asks for one history after another (the worker: each new event changes the
 * history by one item): the walk is followed from the previous history (`IncrementalReach`) where the catalog is small
 * enough to keep its state, else walked from scratch. The same terms to float32 rounding, the items in another order.
 */
export function followedMemoryTerms(model: PlainSasrec, history: readonly number[]): MemoryTerms | null {
  const lists = model.neighbours;
  if (!lists || history.length === 0) return null;
  if (lists.offsets.length - 1 > INCREMENTAL_REACH_MAX_ITEMS) return memoryTerms(model, history);
  let walk = followed.get(model);
  if (!walk) {
    const { neighbourWeight, neighbourHops, neighbourPathWeight } = model.config;
    followed.set(model, (walk = new IncrementalReach(lists, neighbourHops, neighbourPathWeight, (sum) => memoryTerm(sum, neighbourWeight))));
  }
  return walk.update(history, model.config.maxLength);
}

/** The co-occurrence memory's term for a sum of similarities: `weight × log(1 + gain × sum)` (the bundle's weights carry the gain). */
export function memoryTerm(sum: number, weight: number, gain = 1): number {
  return weight * Math.log1p(gain * sum);
}

/** Adds {@link memoryTerm} of each item's similarity sum (index 0, padding, and items with none are left alone). */
export function addMemoryTerm(scores: Float32Array, sums: Float32Array, weight: number, gain = 1): Float32Array {
  for (let i = 1; i < scores.length; i++) if (sums[i]! > 0) scores[i]! += memoryTerm(sums[i]!, weight, gain);
  return scores;
}

/** The ensemble of `config.members` models stored as `members.K.NAME` (see `SasrecConfig.members`). */
function plainEnsemble(config: SasrecConfig, arrays: readonly NamedArray[], attributes?: Int32Array): PlainSasrec {
  const memberConfig = { ...config, members: 1, priorWeight: 0, ...NO_MEMORY };
  const members = Array.from({ length: config.members }, (_, k) => {
    const prefix = `members.${k}.`;
    const own = arrays.filter((a) => a.name.startsWith(prefix)).map((a) => ({ ...a, name: a.name.slice(prefix.length) }));
    return plainSasrec(memberConfig, own, attributes);
  });
  const prior = arrays.find((a) => a.name === 'itemPrior');
  if (config.priorWeight > 0 && !prior) throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: 'its weights lack itemPrior' });
  return {
    config,
    table: sideBySide(members.map((m) => m.table), config.numItems + 1),
    position: new Float32Array(0),
    blocks: [],
    lnFinalGamma: new Float32Array(0),
    lnFinalBeta: new Float32Array(0),
    members,
    ...(config.priorWeight > 0 ? { itemPrior: prior!.data } : {}),
    ...(config.neighbourWeight > 0 ? { neighbours: neighbourLists(arrays) } : {}),
  };
}

/** Floats per item vector: the model's dim, or the sum of its members'. */
/** Columns of an item vector: `dim`, or an ensemble's members' side by side. */
export function vectorWidth(model: PlainSasrec): number {
  return model.config.dim * (model.members?.length ?? 1);
}

/** Columns of a scoring row: the item vector, then the prior when the model has one. */
export function scoringWidth(model: PlainSasrec): number {
  return vectorWidth(model) + (model.itemPrior ? 1 : 0);
}

/** The item scoring rows `[numItems + 1, scoringWidth]`: each item's vector, then its prior. */
export function scoringRows(model: PlainSasrec): Float32Array {
  const { numItems } = model.config;
  const d = vectorWidth(model);
  const prior = model.itemPrior;
  if (!prior) return model.table;
  const w = d + 1;
  const out = new Float32Array((numItems + 1) * w);
  for (let i = 0; i <= numItems; i++) {
    out.set(model.table.subarray(i * d, (i + 1) * d), i * w);
    out[i * w + d] = prior[i]!;
  }
  return out;
}

/**
 * The dot product of `vector` with each row of `rows` (row-major, `vector.length` wide): the scores of those rows, as
 * the backend's `[1, d] · [d, V]` product computes them. `padding`: row 0 is the padding item, scored -Infinity.
 */
export function rowDots(rows: Float32Array, vector: Float32Array, padding = false): Float32Array {
  const d = vector.length;
  const out = new Float32Array(rows.length / d);
  for (let i = 0; i < out.length; i++) out[i] = rowDot(rows, i * d, vector);
  if (padding && out.length > 0) out[0] = -Infinity;
  return out;
}

/** One row's score as {@link rowDots} computes it (summed in order, as a double; a float32 once stored). */
export function rowDot(rows: Float32Array, at: number, vector: Float32Array): number {
  let dot = 0;
  for (let j = 0; j < vector.length; j++) dot += vector[j]! * rows[at + j]!;
  return dot;
}

/** A state as a scoring vector (`scoringWidth` long): the state, then the prior's weight. A score is its dot product with a scoring row. */
export function scoringVector(model: PlainSasrec, state: Float32Array): Float32Array {
  if (!model.itemPrior) return state;
  const out = new Float32Array(state.length + 1);
  out.set(state);
  out[state.length] = model.config.priorWeight;
  return out;
}

/** Whether the model reads event types or gaps (its histories then need {@link StateFeatures}). */
export function readsEventFeatures(config: SasrecConfig): boolean {
  return config.eventTypes > 0 || config.gapBuckets > 0;
}

/** Concatenates row-major `[rows, cols]` matrices along their columns. */
function sideBySide(parts: readonly Float32Array[], rows: number): Float32Array {
  const cols = parts.map((p) => p.length / rows);
  const width = cols.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let at = r * width;
    parts.forEach((p, i) => {
      out.set(p.subarray(r * cols[i]!, (r + 1) * cols[i]!), at);
      at += cols[i]!;
    });
  }
  return out;
}

/** Id embedding plus the mean of the item's attribute embeddings (attribute id 0 = none); the id table alone otherwise. */
function itemVectors(config: SasrecConfig, ids: Float32Array, attributeEmbedding?: Float32Array, attributes?: Int32Array): Float32Array {
  if (!attributeEmbedding) return ids;
  if (!attributes) throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: 'the model reads item attributes but no attribute table came with it' });
  const d = config.dim;
  const k = config.maxAttributes;
  const out = Float32Array.from(ids);
  const sum = new Float64Array(d);
  for (let i = 0; i <= config.numItems; i++) {
    sum.fill(0);
    let count = 0;
    for (let a = 0; a < k; a++) {
      const id = attributes[i * k + a]!;
      if (id <= 0) continue;
      count++;
      for (let j = 0; j < d; j++) sum[j]! += attributeEmbedding[id * d + j]!;
    }
    if (count === 0) continue;
    for (let j = 0; j < d; j++) out[i * d + j]! += sum[j]! / count;
  }
  return out;
}

function addRow(x: Float32Array, at: number, table: Float32Array, from: number, d: number): void {
  for (let j = 0; j < d; j++) x[at + j]! += table[from + j]!;
}

function layerNorm(x: Float32Array, at: number, d: number, gamma: Float32Array, beta: Float32Array, out: Float32Array, outAt: number): void {
  let mean = 0;
  for (let j = 0; j < d; j++) mean += x[at + j]!;
  mean /= d;
  let variance = 0;
  for (let j = 0; j < d; j++) variance += (x[at + j]! - mean) ** 2;
  const inv = 1 / Math.sqrt(variance / d + 1e-6);
  for (let j = 0; j < d; j++) out[outAt + j] = (x[at + j]! - mean) * inv * gamma[j]! + beta[j]!;
}

/**
 * The shopper's state for a history (item indices, oldest first; the last `maxLength` are read): the model's final
 * hidden state at the latest item, `dim` floats. Scores are its dot products with the item vectors.
 *
 * The same computation as the training graph (`sasrecForward`, pre-LayerNorm causal self-attention, no dropout) for one
 * history, written for batch 1: no padding, and the last block runs its query, attention and feed-forward for the
 * latest position only (the only one the state reads). One history is 0.1–2 M multiply-adds, which a kernel-per-op
 * backend spends mostly in dispatch; here it is plain loops, and the matrix products run on a WebAssembly SIMD kernel
 * where there is one (`simdProduct`, one per model, kept with it; `product` overrides it). An empty history gives zeros.
 */
export function historyState(model: PlainSasrec, history: readonly number[], features?: StateFeatures, product?: MatrixProduct): Float32Array {
  product ??= modelProduct(model);
  if (model.members) {
    const d = model.config.dim;
    const K = model.members.length;
    const state = new Float32Array(K * d);
    model.members.forEach((m, k) => {
      const own = historyState(m, history, features, product);
      for (let j = 0; j < d; j++) state[k * d + j] = own[j]! / K;
    });
    return state;
  }
  const { config } = model;
  const d = config.dim;
  const H = config.heads;
  const dh = d / H;
  const f = config.ffnDim;
  const start = Math.max(0, history.length - config.maxLength);
  const n = history.length - start;
  const state = new Float32Array(d);
  if (n === 0) return state;
  if ((model.typeEmbedding || model.gapEmbedding) && (features?.types.length !== history.length || features.gaps.length !== history.length)) {
    throw createError(ERROR_CODES.INTERNAL, { problem: 'this model reads event types and gaps; pass them with the history' });
  }
  const scratch = scratchFor(model);
  const { x, h, blockQkv, attn, out, hidden, weights, query } = scratch;
  const position = model.position.length > 0 ? model.position : null; // positions by recency; none by distance
  // Rows before `m` are the last call's, and the first block's rows before `m0` (see `reusableRows`): only the new
  // ones are computed, by the same products on the same rows, so the state is the same to the bit as from scratch.
  // Rows are kept for the next call when positions are by distance (with recency vectors every row moves).
  const keeps = model.distanceBias !== undefined;
  const { m, m0 } = reusableRows(model, scratch, history, n, start, keeps, features);
  for (let p = m; p < n; p++) {
    const item = history[start + p]!;
    const pos = Math.min(n - 1 - p, config.maxLength - 1) * d;
    for (let j = 0; j < d; j++) x[p * d + j] = model.table[item * d + j]! + (position ? position[pos + j]! : 0);
    if (model.typeEmbedding) addRow(x, p * d, model.typeEmbedding, features!.types[start + p]! * d, d);
    if (model.gapEmbedding) addRow(x, p * d, model.gapEmbedding, features!.gaps[start + p]! * d, d);
  }
  const scale = 1 / Math.sqrt(dh);
  for (let bi = 0; bi < model.blocks.length; bi++) {
    // A loop, not a callback: the arrays below stay locals (a closure's captured variables were ~2× slower to read in
    // these loops).
    const b = model.blocks[bi]!;
    const last = bi === model.blocks.length - 1;
    // The last block computes its query, attention and feed-forward at the latest position only (the state reads it).
    const first = last ? n - 1 : m;
    const rows = n - first;
    const from = bi === 0 ? m0 : m;
    for (let p = from; p < n; p++) layerNorm(x, p * d, d, b.ln1Gamma, b.ln1Beta, h, p * d);
    // Row p of the block's qkv: [q | k | v] (all blocks but the last) or [k | v] (the last, with its one query apart),
    // kept for the next call's rows. Every new position's attention at once, as two products per head (scores, then
    // the weighted values); the last block's one query in loops.
    const width = last ? 2 * d : 3 * d;
    const qkv = blockQkv[bi]!;
    product(h.subarray(from * d), last ? b.wkv : b.wqkv, n - from, d, width, qkv.subarray(from * width));
    const bias = model.distanceBias?.subarray(bi * H * config.maxLength, (bi + 1) * H * config.maxLength);
    if (!last) attendAll(qkv, m, n, d, H, scale, product, scratch, attn, bias);
    else {
      product(h.subarray(first * d), b.wq, 1, d, d, query);
      attendLast(query, qkv, n, d, H, scale, weights, attn, bias);
    }
    // x += attn · wo; then x += relu(LN2(x) · w1 + b1) · w2 + b2, for the rows computed.
    const xs = x.subarray(first * d);
    product(last ? attn : attn.subarray(first * d), b.wo, rows, d, d, out);
    for (let i = 0; i < rows * d; i++) xs[i]! += out[i]!;
    for (let p = 0; p < rows; p++) layerNorm(xs, p * d, d, b.ln2Gamma, b.ln2Beta, h, p * d);
    product(h, b.w1, rows, d, f, hidden);
    for (let i = 0; i < rows * f; i++) hidden[i] = Math.max(0, hidden[i]! + b.b1[i % f]!);
    product(hidden, b.w2, rows, f, d, out);
    for (let i = 0; i < rows * d; i++) xs[i]! += out[i]! + b.b2[i % d]!;
  }
  layerNorm(x, (n - 1) * d, d, model.lnFinalGamma, model.lnFinalBeta, state, 0);
  scratch.kept.n = keeps ? n : 0;
  return state;
}

/** A model's working arrays for {@link historyState}, sized for `maxLength` and reused by every call (it runs to the end synchronously). */
function scratchFor(model: PlainSasrec): StateScratch {
  let arrays = scratches.get(model);
  if (!arrays) {
    const { dim: d, ffnDim: f, maxLength: n } = model.config;
    arrays = {
      x: new Float32Array(n * d),
      h: new Float32Array(n * d),
      blockQkv: Array.from({ length: model.config.blocks }, () => new Float32Array(n * 3 * d)),
      kept: { n: 0, items: new Int32Array(n), types: new Int32Array(n), gaps: new Int32Array(n) },
      attn: new Float32Array(n * d),
      out: new Float32Array(n * Math.max(d, f)),
      hidden: new Float32Array(n * f),
      weights: new Float64Array(n),
      query: new Float32Array(d),
      // Per head (see attendAll): its queries, keys transposed, scores, values and output; columns padded to 16.
      headQ: new Float32Array(n * d),
      headKT: new Float32Array(d * paddedColumns(n)),
      scores: new Float32Array(n * paddedColumns(n)),
      headV: new Float32Array(paddedColumns(n) * d),
      headOut: new Float32Array(n * d),
    };
    scratches.set(model, arrays);
  }
  return arrays;
}

interface StateScratch {
  x: Float32Array;
  h: Float32Array;
  /** Each block's `[q | k | v]` rows (the last block's `[k | v]`), kept for the next call (see `reusableRows`). */
  blockQkv: Float32Array[];
  /** The window whose rows `blockQkv` holds: its first `n` items and event features (`n` 0: none). */
  kept: { n: number; items: Int32Array; types: Int32Array; gaps: Int32Array };
  attn: Float32Array;
  out: Float32Array;
  hidden: Float32Array;
  weights: Float64Array;
  query: Float32Array;
  headQ: Float32Array;
  headKT: Float32Array;
  scores: Float32Array;
  headV: Float32Array;
  headOut: Float32Array;
}

/**
 * The latest position's attention (the last block's): its query `q` over the keys and values of `kv` (rows `[k | v]`),
 * each logit plus `bias` by distance (per head, `[H, maxLength]`) for a model with positions by distance.
 */
function attendLast(q: Float32Array, kv: Float32Array, n: number, d: number, H: number, scale: number, weights: Float64Array, attn: Float32Array, bias?: Float32Array): void {
  const dh = d / H;
  const span = bias ? bias.length / H : 0;
  const stride = 2 * d;
  for (let head = 0; head < H; head++) {
    const c = head * dh;
    let max = -Infinity;
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let j = 0; j < dh; j++) s += q[c + j]! * kv[t * stride + c + j]!;
      weights[t] = s * scale + (bias ? bias[head * span + Math.min(span - 1, n - 1 - t)]! : 0);
      if (weights[t]! > max) max = weights[t]!;
    }
    let total = 0;
    for (let t = 0; t < n; t++) total += weights[t] = Math.exp(weights[t]! - max);
    for (let j = 0; j < dh; j++) attn[c + j] = 0;
    for (let t = 0; t < n; t++) {
      const wt = weights[t]! / total;
      for (let j = 0; j < dh; j++) attn[c + j]! += wt * kv[t * stride + d + c + j]!;
    }
  }
}

/**
 * Causal self-attention at positions `from` to `n` (of `n`), from `qkv` (rows `[q | k | v]`, `3 d` wide) into `attn`
 * (`[n, d]`, those rows): per head, `S = Q · Kᵀ` and `A = softmax(S) · V` as two products (on the SIMD kernel where
 * there is one: the attention was the larger part of a state in plain loops), the softmax over positions up to each
 * row's own, each logit plus `bias` by distance (per head, `[H, maxLength]`) for a model with positions by distance.
 * A row's result does not depend on `from` (the products compute each row alone).
 */
function attendAll(qkv: Float32Array, from: number, n: number, d: number, H: number, scale: number, product: MatrixProduct, s: StateScratch, attn: Float32Array, bias?: Float32Array): void {
  const dh = d / H;
  const span = bias ? bias.length / H : 0;
  const w = paddedColumns(n);
  const { headQ, headKT, scores, headV, headOut } = s;
  for (let head = 0; head < H; head++) {
    const c = head * dh;
    headKT.fill(0, 0, dh * w);
    headV.fill(0, n * dh, w * dh);
    for (let t = 0; t < n; t++) {
      const row = t * 3 * d + c;
      for (let j = 0; j < dh; j++) {
        headKT[j * w + t] = qkv[row + d + j]!;
        headV[t * dh + j] = qkv[row + 2 * d + j]!;
      }
    }
    // Queries only for the rows computed.
    for (let t = from; t < n; t++) for (let j = 0; j < dh; j++) headQ[t * dh + j] = qkv[t * 3 * d + c + j]!;
    product(headQ.subarray(from * dh), headKT, n - from, dh, w, scores.subarray(from * w), true);
    for (let p = from; p < n; p++) {
      const at = p * w;
      let max = -Infinity;
      for (let t = 0; t <= p; t++) {
        scores[at + t] = scores[at + t]! * scale + (bias ? bias[head * span + Math.min(span - 1, p - t)]! : 0);
        max = Math.max(max, scores[at + t]!);
      }
      let total = 0;
      for (let t = 0; t <= p; t++) total += scores[at + t] = Math.exp(scores[at + t]! - max);
      for (let t = 0; t <= p; t++) scores[at + t]! /= total;
      scores.fill(0, at + p + 1, at + w);
    }
    product(scores.subarray(from * w), headV, n - from, w, dh, headOut.subarray(from * dh), true);
    for (let p = from; p < n; p++) for (let j = 0; j < dh; j++) attn[p * d + c + j] = headOut[p * dh + j]!;
  }
}

/**
 * Which of the last call's rows (its block-by-block `[q | k | v]` rows, in `scratch`) this call's window can use, and
 * records this call's window for the next. With positions by distance (`keeps`):
 * - `m`: a row depends only on the window's items (and event features) at and before it, so where the window's first
 *   `m` items are the last window's, their rows in every block are too. A shopper adding an event to a short history
 *   then costs one row per block, not `n`.
 * - `m0`: the first block's row depends on its own item alone, so once the window slides (the history is longer than
 *   `maxLength`) the last window's rows move up by the items that left it, and only the new item's row is computed
 *   in the first block (every later block's rows change).
 * Both at most `n - 1`: the latest position is always computed.
 */
function reusableRows(model: PlainSasrec, scratch: StateScratch, history: readonly number[], n: number, start: number, keeps: boolean, features?: StateFeatures): { m: number; m0: number } {
  const kept = scratch.kept;
  const reads = readsEventFeatures(model.config);
  /** Whether the last window's position `at` held the same event as this window's position `p`. */
  const same = (at: number, p: number): boolean =>
    kept.items[at] === history[start + p] && (!reads || (kept.types[at] === features!.types[start + p] && kept.gaps[at] === features!.gaps[start + p]));
  let m = 0;
  let m0 = 0;
  if (keeps && kept.n > 0) {
    const limit = Math.min(kept.n, n - 1);
    while (m < limit && same(m, m)) m++;
    // A differing item at position m changes every row after it: only the rows before it are kept.
    m0 = m;
    // The first items to have left the window: the last window from `shift` on is this one's start.
    for (let shift = 1; shift < kept.n && Math.min(kept.n - shift, n - 1) > m0; shift++) {
      const overlap = Math.min(kept.n - shift, n - 1);
      let p = 0;
      while (p < overlap && same(shift + p, p)) p++;
      if (p < overlap) continue;
      const width = model.blocks.length > 1 ? 3 * model.config.dim : 2 * model.config.dim;
      scratch.blockQkv[0]!.copyWithin(0, shift * width, (shift + overlap) * width);
      m0 = overlap;
      break;
    }
  }
  kept.n = 0; // until this call's rows are all computed (see historyState's end)
  for (let p = Math.min(m, m0); p < n; p++) {
    kept.items[p] = history[start + p]!;
    if (reads) {
      kept.types[p] = features!.types[start + p]!;
      kept.gaps[p] = features!.gaps[start + p]!;
    }
  }
  return { m, m0 };
}

const scratches = new WeakMap<PlainSasrec, StateScratch>();

const products = new WeakMap<PlainSasrec, MatrixProduct>();

/** The model's own {@link simdProduct} (its weights stay in the kernel's memory while the model lives), else `matMat`. */
export function modelProduct(model: PlainSasrec): MatrixProduct {
  let product = products.get(model);
  if (!product) products.set(model, (product = simdProduct() ?? matMat));
  return product;
}
