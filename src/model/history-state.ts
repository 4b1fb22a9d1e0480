import { neighbourSums, type NeighbourLists } from './cooccurrence-walk.js';
import type { NamedArray } from './model-bundle.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS } from './model-bundle.js';
import { NO_MEMORY, type SasrecConfig } from './sasrec-config.js';
import { createError, ERROR_CODES } from '../core/errors.js';

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
  position: Float32Array;
  blocks: PlainBlock[];
  lnFinalGamma: Float32Array;
  lnFinalBeta: Float32Array;
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
    position: get('positionEmbedding'),
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
  terms: Float32Array | null = memoryTerms(model, history, scores.length),
): Float32Array {
  if (terms) for (let i = 0; i < Math.min(scores.length, terms.length); i++) scores[i]! += terms[i]!;
  return scores;
}

/** The memory's term for each of `size` items for a history (what {@link addCooccurrence} adds), or null when it adds nothing. */
export function memoryTerms(model: PlainSasrec, history: readonly number[], size: number): Float32Array | null {
  const lists = model.neighbours;
  if (!lists || history.length === 0) return null;
  const { maxLength, neighbourWeight, neighbourHops, neighbourPathWeight } = model.config;
  const sums = neighbourSums(lists, history, maxLength, new Float32Array(size), neighbourHops, neighbourPathWeight);
  return addMemoryTerm(new Float32Array(size), sums, neighbourWeight);
}

/** The co-occurrence memory's term for a sum of similarities: `weight × log(1 + gain × sum)` (the bundle's weights carry the gain). */
function memoryTerm(sum: number, weight: number, gain = 1): number {
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
  for (let i = 0; i < out.length; i++) {
    let dot = 0;
    const at = i * d;
    for (let j = 0; j < d; j++) dot += vector[j]! * rows[at + j]!;
    out[i] = dot;
  }
  if (padding && out.length > 0) out[0] = -Infinity;
  return out;
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

/** `Y[n, m] = X[n, k] · W[k, m]` (row-major): where {@link historyState} does its matrix products. */
export type MatrixProduct = (X: Float32Array, W: Float32Array, n: number, k: number, m: number, Y: Float32Array) => void;

/**
 * `Y[n, m] = X[n, k] · W[k, m]` (row-major), four rows by four columns at a time: each weight load serves four rows
 * and the sixteen sums stay in registers (measured ~2.5× the speed of a row-at-a-time loop in V8).
 */
export function matMat(X: Float32Array, W: Float32Array, n: number, k: number, m: number, Y: Float32Array): void {
  const m4 = m - (m % 4);
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const a0 = r * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let c = 0; c < m4; c += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let i = 0; i < k; i++) {
        const wi = i * m + c;
        const w0 = W[wi]!, w1 = W[wi + 1]!, w2 = W[wi + 2]!, w3 = W[wi + 3]!;
        const x0 = X[a0 + i]!, x1 = X[a1 + i]!, x2 = X[a2 + i]!, x3 = X[a3 + i]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
        s20 += x2 * w0; s21 += x2 * w1; s22 += x2 * w2; s23 += x2 * w3;
        s30 += x3 * w0; s31 += x3 * w1; s32 += x3 * w2; s33 += x3 * w3;
      }
      const y0 = r * m + c;
      const y1 = y0 + m;
      const y2 = y1 + m;
      const y3 = y2 + m;
      Y[y0] = s00; Y[y0 + 1] = s01; Y[y0 + 2] = s02; Y[y0 + 3] = s03;
      Y[y1] = s10; Y[y1 + 1] = s11; Y[y1 + 2] = s12; Y[y1 + 3] = s13;
      Y[y2] = s20; Y[y2 + 1] = s21; Y[y2 + 2] = s22; Y[y2 + 3] = s23;
      Y[y3] = s30; Y[y3 + 1] = s31; Y[y3 + 2] = s32; Y[y3 + 3] = s33;
    }
    for (let q = 0; q < 4; q++) for (let c = m4; c < m; c++) Y[(r + q) * m + c] = dotColumn(X, (r + q) * k, W, k, m, c);
  }
  for (; r < n; r++) for (let c = 0; c < m; c++) Y[r * m + c] = dotColumn(X, r * k, W, k, m, c);
}

function dotColumn(X: Float32Array, at: number, W: Float32Array, k: number, m: number, c: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += X[at + i]! * W[i * m + c]!;
  return s;
}

/**
 * The shopper's state for a history (item indices, oldest first; the last `maxLength` are read): the model's final
 * hidden state at the latest item, `dim` floats. Scores are its dot products with the item vectors.
 *
 * The same computation as the training graph (`sasrecForward`, pre-LayerNorm causal self-attention, no dropout) for one
 * history, written for batch 1: no padding, and the last block runs its query, attention and feed-forward for the
 * latest position only (the only one the state reads). One history is 0.1–2 M multiply-adds, which a kernel-per-op
 * backend spends mostly in dispatch; here it is plain loops, except that `product` may hand the few large matrix
 * products to WASM (`wasmProduct`). An empty history gives zeros.
 */
export function historyState(model: PlainSasrec, history: readonly number[], features?: StateFeatures, product: MatrixProduct = matMat): Float32Array {
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
  const x = new Float32Array(n * d);
  for (let p = 0; p < n; p++) {
    const item = history[start + p]!;
    const pos = Math.min(n - 1 - p, config.maxLength - 1);
    for (let j = 0; j < d; j++) x[p * d + j] = model.table[item * d + j]! + model.position[pos * d + j]!;
    if (model.typeEmbedding) addRow(x, p * d, model.typeEmbedding, features!.types[start + p]! * d, d);
    if (model.gapEmbedding) addRow(x, p * d, model.gapEmbedding, features!.gaps[start + p]! * d, d);
  }
  const h = new Float32Array(n * d);
  const qkv = new Float32Array(n * 3 * d);
  const attn = new Float32Array(n * d);
  const out = new Float32Array(n * Math.max(d, f));
  const hidden = new Float32Array(n * f);
  const weights = new Float64Array(n);
  const scale = 1 / Math.sqrt(dh);
  for (let bi = 0; bi < model.blocks.length; bi++) {
    // A loop, not a callback: the arrays below stay locals (a closure's captured variables were ~2× slower to read in
    // these loops).
    const b = model.blocks[bi]!;
    // The last block computes its query, attention and feed-forward at the latest position only (the state reads it).
    const first = bi === model.blocks.length - 1 ? n - 1 : 0;
    const rows = n - first;
    for (let p = 0; p < n; p++) layerNorm(x, p * d, d, b.ln1Gamma, b.ln1Beta, h, p * d);
    // Row p of qkv: [q | k | v] (all blocks but the last) or [k | v] (the last, with its one query apart).
    const stride = first === 0 ? 3 * d : 2 * d;
    const kAt = first === 0 ? d : 0;
    product(h, first === 0 ? b.wqkv : b.wkv, n, d, stride, qkv);
    const q = first === 0 ? qkv : new Float32Array(d);
    if (first > 0) product(h.subarray(first * d), b.wq, 1, d, d, q);
    for (let p = first; p < n; p++) {
      const qAt = first === 0 ? p * stride : 0;
      const row = (p - first) * d;
      for (let head = 0; head < H; head++) {
        const c = head * dh;
        let max = -Infinity;
        for (let t = 0; t <= p; t++) {
          let s = 0;
          for (let j = 0; j < dh; j++) s += q[qAt + c + j]! * qkv[t * stride + kAt + c + j]!;
          weights[t] = s * scale;
          if (weights[t]! > max) max = weights[t]!;
        }
        let total = 0;
        for (let t = 0; t <= p; t++) total += weights[t] = Math.exp(weights[t]! - max);
        for (let j = 0; j < dh; j++) attn[row + c + j] = 0;
        for (let t = 0; t <= p; t++) {
          const wt = weights[t]! / total;
          for (let j = 0; j < dh; j++) attn[row + c + j]! += wt * qkv[t * stride + kAt + d + c + j]!;
        }
      }
    }
    // x += attn · wo; then x += relu(LN2(x) · w1 + b1) · w2 + b2, for the rows computed.
    const xs = x.subarray(first * d);
    product(attn, b.wo, rows, d, d, out);
    for (let i = 0; i < rows * d; i++) xs[i]! += out[i]!;
    for (let p = 0; p < rows; p++) layerNorm(xs, p * d, d, b.ln2Gamma, b.ln2Beta, h, p * d);
    product(h, b.w1, rows, d, f, hidden);
    for (let i = 0; i < rows * f; i++) hidden[i] = Math.max(0, hidden[i]! + b.b1[i % f]!);
    product(hidden, b.w2, rows, f, d, out);
    for (let i = 0; i < rows * d; i++) xs[i]! += out[i]! + b.b2[i % d]!;
  }
  layerNorm(x, (n - 1) * d, d, model.lnFinalGamma, model.lnFinalBeta, state, 0);
  return state;
}
