import type { DecodedBundle } from '../../src/model/decode-bundle.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS, type NamedArray } from '../../src/model/model-bundle.js';
import type { SasrecConfig } from '../../src/model/sasrec-config.js';
import { createError, ERROR_CODES } from '../../src/core/errors.js';

/** A model as `encodeBundle` takes it. */
export interface BundleParts {
  config: SasrecConfig;
  vocabulary: string[];
  arrays: NamedArray[];
  attributes?: Int32Array;
}

/**
 * The arrays indexed by item, and how: the item tables of a model and of each ensemble member (`itemEmbedding`,
 * `members.K.itemEmbedding`: rows `[numItems + 1, dim]`), the prior (`itemPrior`: columns of `[1, numItems + 1]`), the
 * attribute table (rows `[numItems + 1, maxAttributes]`) and the co-occurrence lists (`neighbourCounts` per item,
 * `neighbourIds` and `neighbourWeights` per list entry). Every other array (attention, position, event features,
 * attribute embeddings) does not depend on the items and is kept as it is.
 */
const ITEM_TABLE = /(^|\.)itemEmbedding$/;
const ITEM_PRIOR = 'itemPrior';

/** Rows `old[k]` of a row-major `[*, cols]` table, in that order. */
function pickRows<T extends Float32Array | Int32Array>(data: T, cols: number, old: readonly number[], make: (n: number) => T): T {
  const out = make(old.length * cols);
  old.forEach((o, k) => out.set(data.subarray(o * cols, (o + 1) * cols), k * cols));
  return out;
}

/**
 * The bundle restricted to the items of `keep` it knows (in its own vocabulary order, renumbered 1..n): vocabulary,
 * item tables, prior, attribute table, and the co-occurrence lists (entries naming an item outside `keep` dropped, the
 * others renumbered, each list's order kept); `config.numItems` becomes n and nothing else changes. Scores of kept
 * items for histories of kept items are the bundle's own, except the memory's longer walks (`neighbourHops` > 1)
 * through items that were dropped.
 */
export function restrictBundle(bundle: DecodedBundle, keep: ReadonlySet<string>): BundleParts {
  const { manifest, tensors, attributes } = bundle;
  const { config, vocabulary } = manifest;
  const rows = config.numItems + 1;
  const old = [0];
  vocabulary.forEach((id, i) => {
    if (keep.has(id)) old.push(i + 1);
  });
  const numItems = old.length - 1;
  if (numItems === 0) {
    throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the model', requirement: 'knows none of the head\'s items', fix: 'pass the bundle trained on this store\'s events, whose item ids are the catalog\'s ids' });
  }
  const renumbered = new Int32Array(rows).fill(-1);
  old.forEach((o, k) => (renumbered[o] = k));
  const lists = new Map(tensors.filter((t) => t.name === NEIGHBOUR_COUNTS || t.name === NEIGHBOUR_IDS || t.name === NEIGHBOUR_WEIGHTS).map((t) => [t.name, t.data]));
  const memory = lists.size > 0 ? restrictLists(lists, old, renumbered) : undefined;
  const arrays = tensors.map((t): NamedArray => {
    if (ITEM_TABLE.test(t.name)) {
      const cols = t.shape[1]!;
      return { name: t.name, shape: [old.length, cols], data: pickRows(t.data, cols, old, (n) => new Float32Array(n)) };
    }
    if (t.name === ITEM_PRIOR) return { name: t.name, shape: [1, old.length], data: Float32Array.from(old, (o) => t.data[o]!) };
    if (memory && lists.has(t.name)) {
      const data = memory[t.name]!;
      return { name: t.name, shape: t.name === NEIGHBOUR_WEIGHTS ? [1, data.length] : [data.length], data };
    }
    return t;
  });
  return {
    config: { ...config, numItems },
    vocabulary: old.slice(1).map((o) => vocabulary[o - 1]!),
    arrays,
    ...(attributes ? { attributes: pickRows(attributes, config.maxAttributes, old, (n) => new Int32Array(n)) } : {}),
  };
}

/** The co-occurrence lists of the kept items (`old[k]` for new index k), without the entries naming a dropped item. */
function restrictLists(lists: ReadonlyMap<string, Float32Array>, old: readonly number[], renumbered: Int32Array): Record<string, Float32Array> {
  const counts = lists.get(NEIGHBOUR_COUNTS);
  const ids = lists.get(NEIGHBOUR_IDS);
  const weights = lists.get(NEIGHBOUR_WEIGHTS);
  if (!counts || !ids || !weights || counts.length !== renumbered.length || ids.length !== weights.length) {
    throw createError(ERROR_CODES.INVALID_BUNDLE, { problem: `its co-occurrence lists are incomplete (${NEIGHBOUR_COUNTS} [numItems + 1], ${NEIGHBOUR_IDS} and ${NEIGHBOUR_WEIGHTS} of one length)` });
  }
  const offsets = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  const newCounts = new Float32Array(old.length);
  const newIds: number[] = [];
  const newWeights: number[] = [];
  old.forEach((o, k) => {
    for (let j = offsets[o]!; j < offsets[o + 1]!; j++) {
      const to = renumbered[ids[j]!]!;
      if (to < 0) continue;
      newIds.push(to);
      newWeights.push(weights[j]!);
      newCounts[k]!++;
    }
  });
  return { [NEIGHBOUR_COUNTS]: newCounts, [NEIGHBOUR_IDS]: Float32Array.from(newIds), [NEIGHBOUR_WEIGHTS]: Float32Array.from(newWeights) };
}
