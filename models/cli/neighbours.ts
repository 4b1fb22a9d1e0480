import { join } from 'node:path';
import { evaluateVariants } from './evaluation/evaluate-ranking.js';
import { itemNeighbours } from './evaluation/item-knn-baseline.js';
import { neighbourWalk } from '../../src/model/cooccurrence-walk.js';
import type { LeaveOneOutSplit } from './evaluation/leave-one-out.js';
import { choiceSplit, trainedSequences } from './evaluation/held-out.js';
import type { SequenceDataset } from './datasets/sequence-dataset.js';
import type { NamedArray } from '../../src/model/model-bundle.js';
import type { NeighbourLists } from '../../src/model/cooccurrence-walk.js';
import { NO_MEMORY, type SasrecConfig } from '../../src/model/sasrec-config.js';
import { historyScorer, prefixFeatures } from './evaluation/catalog-scores.js';
import { encodeBundle } from './training/encode-bundle.js';
import { addMemoryTerm, plainSasrec } from '../../src/model/history-state.js';
import { trainingDataHash } from './training/training-data-hash.js';
import { invalidOption, parseArgs, type Args } from './args.js';
import { NEIGHBOURS } from './commands.js';
import { withCooccurrence, withoutCooccurrence } from './cooccurrence.js';
import { readBundle, writeBundle } from './bundle-files.js';
import { EVENT_FORMATS, readEvents, RETAIL_SEQUENCES } from './read-events.js';
import { log, subsetSplit } from './train.js';
import { useBackend } from './wasm-backend.js';

/** The memory weights and gains `--weight auto` / `--gain auto` try on validation. */
export const NEIGHBOUR_WEIGHTS_TO_TRY = [0.25, 0.5, 1, 2];
export const NEIGHBOUR_GAINS_TO_TRY = [10, 30, 100, 300];
/** The walk lengths `--hops auto` tries (1: direct co-occurrence only). */
export const NEIGHBOUR_HOPS_TO_TRY = [1, 2, 3];
/** The weights per extra step of the walk (similarity units: Σ cos + paths × Σ cos · cos + …) `--paths auto` tries. */
export const NEIGHBOUR_PATHS_TO_TRY = [0.3, 1, 3];

/** `--NAME auto` (the default) → the list; a number (checked by the options table) → just it. */
function choices(args: Args, name: string, auto: readonly number[]): number[] {
  return args.str(name) === 'auto' ? [...auto] : [args.num(name)];
}

/**
 * `neighbours --events FILE --format F --model DIR [--neighbours K] [--weight auto|W] [--gain auto|G] [--hops auto|H]
 * [--paths auto|P] [--select full|sampled] [--eval-users N]`: gives a trained bundle a co-occurrence memory. From the
 * data the bundle was trained on (checked by its hash: the training part of the split for a `--split leave-one-out`
 * bundle), each item's top K co-occurring items (cosine over users) are stored with weight gain × similarity; the
 * score gains weight × log(1 + gain × (Σ cos(h, item) + paths × Σ cos(h, m) × cos(m, item) + paths² × …)) over the
 * history's items h and the walks of up to H steps through the lists. Weight, gain, steps and path weight are chosen
 * on the validation items (never the test items) when the bundle has a split; otherwise give them (defaults 1, 100,
 * one step). Rewrites DIR (int8, from the f32 twin's exact weights) and DIR/f32. A minute or a few, no retraining.
 */
export async function neighboursCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(NEIGHBOURS, argv);
  const dir = args.str('model');
  const k = args.num('neighbours');
  const format = args.choice<(typeof EVENT_FORMATS)[number]>('format');
  const data = readEvents(args.str('events'), format, args.choice<(typeof RETAIL_SEQUENCES)[number]>('sequence'));
  const numItems = data.itemIds.length;
  const f32 = await readBundle(join(dir, 'f32'));
  const training = f32.manifest.training;
  const vocabulary = f32.manifest.vocabulary;
  const sameItems = vocabulary.length === numItems && vocabulary.every((id, i) => id === data.itemIds[i]);
  const trainSeqs = training && trainedSequences(training, data.items);
  if (!training || !trainSeqs || !sameItems || training.dataHash !== (await trainingDataHash(trainSeqs, data.itemIds))) {
    throw invalidOption(
      `the model in ${dir} was not trained on these events (${training ? `split ${training.split}, format ${training.format}` : 'no training record'}); the co-occurrence memory must come from the model's own training data: pass the --events, --format and --sequence it was trained with`,
    );
  }
  // Choices on the validation items only where the model never learned from them.
  const choose = choiceSplit(training, data.items);
  const weights = choices(args, 'weight', choose ? NEIGHBOUR_WEIGHTS_TO_TRY : [1]);
  const gains = choices(args, 'gain', choose ? NEIGHBOUR_GAINS_TO_TRY : [100]);
  const hopsArg = args.get('hops');
  const hopCounts =
    hopsArg === undefined || hopsArg === 'auto' ? (choose ? NEIGHBOUR_HOPS_TO_TRY : [1]) : [args.num('hops')];
  const walks = memoryWalks(hopCounts, choices(args, 'paths', choose ? NEIGHBOUR_PATHS_TO_TRY : [1]));
  await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
  const started = Date.now();
  const lists = itemNeighbours(trainSeqs, numItems, k);
  log(`co-occurrence: top ${k} of ${numItems} items, ${lists.ids.length} pairs (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const base = withoutCooccurrence(f32.tensors);
  const config = { ...f32.manifest.config, ...NO_MEMORY };
  const chosen =
    choose && weights.length * gains.length * walks.length > 1
      ? await chooseMemory({ config, arrays: base, attributes: f32.attributes }, lists, choose, data, { weights, gains, walks, select: args.choice<'full' | 'sampled'>('select'), evalUsers: args.num('eval-users'), negatives: args.num('negatives') })
      : { weight: weights[0]!, gain: gains[0]!, ...walks[0]! };
  const kept = withCooccurrence(config, base, lists, chosen.weight, chosen.gain, chosen.hops, chosen.paths);
  // The memory replaces any earlier one, and so does its step in the recorded command.
  const trainedWith = (training.command ?? 'edgereco train').split(' && edgereco neighbours ')[0];
  const record = { ...training, command: `${trainedWith} && edgereco neighbours ${args.line()}` };
  const bytes8 = writeBundle(dir, await encodeBundle(kept.config, vocabulary, kept.arrays, 'int8', record, f32.attributes));
  const bytes32 = writeBundle(join(dir, 'f32'), await encodeBundle(kept.config, vocabulary, kept.arrays, 'float32', record, f32.attributes));
  log(`wrote ${dir}: int8 files ${bytes8} bytes, f32 twin ${bytes32} bytes (${(bytes8 / bytes32).toFixed(3)}× without the manifests)`);
}

export interface MemoryGrid {
  weights: readonly number[];
  gains: readonly number[];
  walks: readonly { hops: number; paths: number }[];
  select: 'full' | 'sampled';
  /** Validate on about this many users (0: all). */
  evalUsers: number;
  /** Negatives per user for `select: 'sampled'`. */
  negatives: number;
}

export interface MemoryChoice {
  weight: number;
  gain: number;
  hops: number;
  paths: number;
}

/**
 * The memory (weight, gain, walk) with the best validation NDCG@10 for a model without one, from the grid and "no
 * memory": the model scores each validation history once, and each variant adds its memory term. Never reads the
 * test items.
 */
export async function chooseMemory(
  model: { config: SasrecConfig; arrays: NamedArray[]; attributes?: Int32Array | undefined },
  lists: NeighbourLists,
  split: LeaveOneOutSplit,
  data: SequenceDataset,
  grid: MemoryGrid,
): Promise<MemoryChoice> {
  const { select } = grid;
  const started = Date.now();
  const sub = grid.evalUsers > 0 ? subsetSplit(split, grid.evalUsers) : split;
  const scoreHistories = historyScorer(plainSasrec(model.config, model.arrays, model.attributes));
  const variants: MemoryChoice[] = [
    { weight: 0, gain: 0, hops: 1, paths: 0 },
    ...grid.weights.flatMap((weight) => grid.gains.flatMap((gain) => grid.walks.map((walk) => ({ weight, gain, ...walk })))),
  ];
  // Per history: the walk once, then its blend for each (steps, path weight).
  const longest = Math.max(...grid.walks.map((w) => w.hops));
  let walk: Float32Array[] = [];
  const blends = new Map<string, Float32Array>();
  let last: readonly number[] | null = null;
  const numItems = data.itemIds.length;
  const evaluate = (settings: readonly MemoryChoice[]) =>
    evaluateVariants(
      sub,
      (h, users) => scoreHistories(h, prefixFeatures(data.features, h, users)),
      { target: 'validation', protocol: select, negatives: grid.negatives, numItems, sequences: data.items },
      settings.map(({ weight, gain, hops, paths }) => (row, history) => {
        if (weight === 0) return row;
        if (history !== last) {
          walk = neighbourWalk(lists, history, model.config.maxLength, longest);
          blends.clear();
          last = history;
        }
        const key = `${hops} ${paths}`;
        let sums = blends.get(key);
        if (!sums) {
          sums = walk[0]!.slice();
          for (let step = 1, factor = paths; step < hops; step++, factor *= paths) {
            for (let i = 0; i < sums.length; i++) sums[i]! += factor * walk[step]![i]!;
          }
          blends.set(key, sums);
        }
        return addMemoryTerm(row, sums, weight, gain);
      }),
    );
  const results = await evaluate(variants);
  const best = bestIndex(results);
  const line = (v: MemoryChoice, r: { hr10: number; ndcg10: number; mrr: number }) => `${describeMemory(v)}: ${select} HR@10 ${r.hr10.toFixed(4)} NDCG@10 ${r.ndcg10.toFixed(4)} MRR ${r.mrr.toFixed(4)}`;
  log(`  memory: ${variants.length} settings on ${results[0]!.users} validation users in ${((Date.now() - started) / 1000).toFixed(1)} s; ${line(variants[0]!, results[0]!)}`);
  const kept = await widenWeight({ setting: variants[best]!, result: results[best]! }, grid, evaluate, (c) => log(`  the grid's largest weight won; ${line(c.setting, c.result)}`));
  scoreHistories.dispose();
  log(`keeps ${kept.setting.weight === 0 ? 'no memory (none was better on validation)' : line(kept.setting, kept.result)}`);
  return kept.setting;
}

/** The index of the best validation NDCG@10 (the first of equals). */
function bestIndex(results: readonly { ndcg10: number }[]): number {
  return results.reduce((b, x, i) => (x.ndcg10 > results[b]!.ndcg10 ? i : b), 0);
}

/** How many times {@link widenWeight} doubles the weight past the grid's while that wins on validation. */
const MORE_WEIGHT_ROUNDS = 3;

type Scored<R> = { setting: MemoryChoice; result: R };

/**
 * When the grid's largest weight won (a memory that is most of the signal, as on shuffled invoices), tries twice it
 * with each gain and the same walk, and again while that wins on validation, up to {@link MORE_WEIGHT_ROUNDS} times.
 * `evaluate` scores settings on the validation items; `report` hears each round's best.
 */
export async function widenWeight<R extends { ndcg10: number }>(
  best: Scored<R>,
  grid: Pick<MemoryGrid, 'weights' | 'gains'>,
  evaluate: (settings: readonly MemoryChoice[]) => Promise<readonly R[]>,
  report: (round: Scored<R>) => void,
): Promise<Scored<R>> {
  let top = Math.max(...grid.weights);
  for (let round = 0; grid.weights.length > 1 && best.setting.weight === top && round < MORE_WEIGHT_ROUNDS; round++) {
    top *= 2;
    const { hops, paths } = best.setting;
    const settings = grid.gains.map((gain) => ({ weight: top, gain, hops, paths }));
    const results = await evaluate(settings);
    const i = bestIndex(results);
    const candidate = { setting: settings[i]!, result: results[i]! };
    report(candidate);
    if (!(candidate.result.ndcg10 > best.result.ndcg10)) break;
    best = candidate;
  }
  return best;
}

export function describeMemory({ weight, gain, hops, paths }: MemoryChoice): string {
  return weight === 0 ? 'no memory' : `weight ${weight}, gain ${gain}, ${hops === 1 ? '1 step' : `${hops} steps, paths ${paths}`}`;
}

/** The walks to try: each step count, with each path weight past one step. */
export function memoryWalks(hopCounts: readonly number[], pathWeights: readonly number[]): { hops: number; paths: number }[] {
  return hopCounts.flatMap((hops) => (hops === 1 ? [{ hops, paths: 0 }] : pathWeights.map((paths) => ({ hops, paths }))));
}
