import type { NeighbourLists } from '../../src/model/cooccurrence-walk.js';
import type { NamedArray } from '../../src/model/model-bundle.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS } from '../../src/model/model-bundle.js';
import { NO_MEMORY, type SasrecConfig } from '../../src/model/sasrec-config.js';

/**
 * The model with a co-occurrence memory of weight `weight` (its config, and the arrays with the lists, their weights
 * gain × similarity); a walk of `hops` steps through the lists with weight `paths` per extra step, in similarity
 * units (stored as paths / gain, in the stored weights' units). Unchanged for weight 0.
 */
export function withCooccurrence(
  config: SasrecConfig,
  arrays: readonly NamedArray[],
  lists: NeighbourLists,
  weight: number,
  gain: number,
  hops = 1,
  paths = 0,
): { config: SasrecConfig; arrays: NamedArray[] } {
  const numItems = config.numItems;
  if (!(weight > 0)) return { config: { ...config, ...NO_MEMORY }, arrays: [...arrays] };
  const walks = hops > 1 && paths > 0;
  return {
    config: { ...config, neighbourWeight: weight, neighbourHops: walks ? hops : 1, neighbourPathWeight: walks ? paths / gain : 0 },
    arrays: [
      ...arrays,
      { name: NEIGHBOUR_COUNTS, shape: [numItems + 1], data: Float32Array.from({ length: numItems + 1 }, (_, i) => lists.offsets[i + 1]! - lists.offsets[i]!) },
      { name: NEIGHBOUR_IDS, shape: [lists.ids.length], data: Float32Array.from(lists.ids) },
      { name: NEIGHBOUR_WEIGHTS, shape: [1, lists.ids.length], data: lists.sims.map((s) => s * gain) },
    ],
  };
}

/** A model's arrays without its co-occurrence memory (any member prefix included). */
export function withoutCooccurrence<T extends { name: string }>(arrays: readonly T[]): T[] {
  return arrays.filter((t) => ![NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS].some((n) => t.name === n || t.name.endsWith(`.${n}`)));
}
