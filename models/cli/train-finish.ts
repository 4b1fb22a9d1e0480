import { join } from 'node:path';
import type { Args } from './args.js';
import { writeBundle } from './bundle-files.js';
import type { SequenceDataset } from './datasets/sequence-dataset.js';
import { withCooccurrence } from './cooccurrence.js';
import { itemNeighbours } from './evaluation/item-knn-baseline.js';
import { chooseMemory, memoryWalks, NEIGHBOUR_GAINS_TO_TRY, NEIGHBOUR_HOPS_TO_TRY, NEIGHBOUR_PATHS_TO_TRY, NEIGHBOUR_WEIGHTS_TO_TRY, type MemoryChoice } from './neighbours.js';
import { bestPriorWeight, itemPrior, log, priorWeightsToTry, subsetSplit, withItemPrior, type TrainingPlan } from './train.js';
import { encodeBundle } from './training/encode-bundle.js';
import { trainingDataHash } from './training/training-data-hash.js';
import type { NamedArray, TrainingRecord } from '../../src/model/model-bundle.js';
import { NO_MEMORY, type SasrecConfig } from '../../src/model/sasrec-config.js';

/** One trained model: its weights at the chosen epoch, and after the epochs on all the data (the same without them). */
export interface TrainedMember {
  chosen: NamedArray[];
  final: NamedArray[];
  seed: number;
  epochs: number;
}

/**
 * Writes the bundle of one model or an ensemble: chooses the popularity prior's weight (unless `priorWeight` was
 * chosen with the epoch) and the co-occurrence memory on the validation items with the chosen weights, then applies
 * them to the final weights with the prior and the memory counted on what those learned from. Never reads the test
 * items; without validation, no memory and the given prior weight.
 */
export async function finishBundle(o: {
  args: Args;
  data: SequenceDataset;
  plan: TrainingPlan;
  /** Whether the final weights learned from the validation items (`--continue`). */
  continued: boolean;
  config: SasrecConfig;
  members: TrainedMember[];
  attributeTable: Int32Array | undefined;
  priorWeight: number | undefined;
  format: string;
  out: string;
}): Promise<void> {
  const { args, data, plan, attributeTable } = o;
  const numItems = data.itemIds.length;
  const select = args.choice<'full' | 'sampled'>('select');
  const sub = plan.choice && subsetSplit(plan.choice, args.num('eval-users'));
  const chosen = combine(o.config, o.members.map((m) => m.chosen));
  const fitPrior = itemPrior(plan.fit, numItems);
  const weightsToTry = priorWeightsToTry(args, plan.choice !== null);
  let priorWeight = o.priorWeight ?? weightsToTry[0]!;
  if (o.priorWeight === undefined && sub && weightsToTry.length > 1) {
    const best = await bestPriorWeight(chosen, fitPrior, weightsToTry, select, sub, data, attributeTable, `${o.members.length} members`);
    priorWeight = best.weight;
    log(`keeps prior weight ${priorWeight} (best validation ${select} NDCG@10 ${best.score.toFixed(4)})`);
  }
  const k = args.num('neighbours');
  let memory: MemoryChoice = { weight: 0, gain: 0, hops: 1, paths: 0 };
  let lists = k > 0 && plan.choice ? itemNeighbours(plan.fit, numItems, k) : null;
  if (lists && plan.choice) {
    const m = withItemPrior(chosen.config, chosen.arrays, fitPrior, priorWeight);
    memory = await chooseMemory({ ...m, attributes: attributeTable }, lists, plan.choice, data, {
      weights: NEIGHBOUR_WEIGHTS_TO_TRY,
      gains: NEIGHBOUR_GAINS_TO_TRY,
      walks: memoryWalks(NEIGHBOUR_HOPS_TO_TRY, NEIGHBOUR_PATHS_TO_TRY),
      select,
      evalUsers: args.num('eval-users'),
      negatives: 99,
    });
  }
  // What the final weights learned from: the prior and the memory count the same sequences.
  const trained = o.continued ? plan.all : plan.fit;
  if (o.continued) lists = memory.weight > 0 ? itemNeighbours(trained, numItems, k) : null;
  const final = combine(o.config, o.members.map((m) => m.final));
  const withPrior = withItemPrior(final.config, final.arrays, o.continued ? itemPrior(trained, numItems) : fitPrior, priorWeight);
  const kept = lists && memory.weight > 0 ? withCooccurrence(withPrior.config, withPrior.arrays, lists, memory.weight, memory.gain, memory.hops, memory.paths) : withPrior;
  const training: TrainingRecord = {
    dataHash: await trainingDataHash(trained, data.itemIds),
    split: plan.useSplit ? 'leave-one-out' : 'none',
    validation: o.continued || (!plan.choice && !plan.useSplit) ? 'trained' : 'held-out',
    format: o.format,
    epochs: Math.max(...o.members.map((m) => m.epochs)),
    seed: o.members[0]!.seed,
    ...(o.members.length > 1 ? { members: o.members.map(({ seed, epochs }) => ({ seed, epochs })) } : {}),
    command: `edgereco train ${args.line()}`,
  };
  const bytes8 = writeBundle(o.out, await encodeBundle(kept.config, data.itemIds, kept.arrays, 'int8', training, attributeTable));
  const bytes32 = writeBundle(join(o.out, 'f32'), await encodeBundle(kept.config, data.itemIds, kept.arrays, 'float32', training, attributeTable));
  log(`wrote ${o.out}: ${o.members.length === 1 ? 'one model' : `${o.members.length} members`}, prior weight ${priorWeight}, ${memory.weight > 0 ? `memory of ${k} neighbours (weight ${memory.weight}, gain ${memory.gain}, ${memory.hops} steps)` : 'no memory'}, ${o.continued ? 'trained on the validation items after the choices' : 'validation items held out'}; int8 weights ${bytes8} bytes, f32 twin ${bytes32} bytes (${(bytes8 / bytes32).toFixed(3)}×)`);
}

/** One model's arrays as they are, or an ensemble's under `members.K.` (no prior, no memory: the bundle's own follow). */
function combine(config: SasrecConfig, arrays: readonly NamedArray[][]): { config: SasrecConfig; arrays: NamedArray[] } {
  const base = { ...config, priorWeight: 0, ...NO_MEMORY };
  if (arrays.length === 1) return { config: base, arrays: arrays[0]! };
  return { config: { ...base, members: arrays.length }, arrays: arrays.flatMap((a, k) => a.map((t) => ({ ...t, name: `members.${k}.${t.name}` }))) };
}
