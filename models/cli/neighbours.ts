import { join } from 'node:path';
import { evaluateVariants } from './evaluation/evaluate-ranking.js';
import { itemNeighbours } from './evaluation/item-knn-baseline.js';
import { neighbourWalk } from '../../src/model/cooccurrence-walk.js';
import { leaveOneOut } from './evaluation/leave-one-out.js';
import { historyScorer, prefixFeatures } from './evaluation/catalog-scores.js';
import { encodeBundle } from './training/encode-bundle.js';
import { addMemoryTerm, plainSasrec } from '../../src/model/history-state.js';
import { NO_MEMORY } from '../../src/model/sasrec-config.js';
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
  const split = leaveOneOut(data.items);
  const useSplit = training?.split === 'leave-one-out';
  const trainSeqs = useSplit ? split.train : data.items;
  const vocabulary = f32.manifest.vocabulary;
  const sameItems = vocabulary.length === numItems && vocabulary.every((id, i) => id === data.itemIds[i]);
  if (!training || !sameItems || training.dataHash !== (await trainingDataHash(trainSeqs, data.itemIds))) {
    throw invalidOption(
      `the model in ${dir} was not trained on these events (${training ? `split ${training.split}, format ${training.format}` : 'no training record'}); the co-occurrence memory must come from the model's own training data: pass the --events, --format and --sequence it was trained with`,
    );
  }
  const weights = choices(args, 'weight', useSplit ? NEIGHBOUR_WEIGHTS_TO_TRY : [1]);
  const gains = choices(args, 'gain', useSplit ? NEIGHBOUR_GAINS_TO_TRY : [100]);
  const hopsArg = args.get('hops');
  const hopCounts =
    hopsArg === undefined || hopsArg === 'auto' ? (useSplit ? NEIGHBOUR_HOPS_TO_TRY : [1]) : [args.num('hops')];
  const pathWeights = choices(args, 'paths', useSplit ? NEIGHBOUR_PATHS_TO_TRY : [1]);
  const walks = hopCounts.flatMap((hops) => (hops === 1 ? [{ hops, paths: 0 }] : pathWeights.map((paths) => ({ hops, paths }))));
  await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
  const started = Date.now();
  const lists = itemNeighbours(trainSeqs, numItems, k);
  log(`co-occurrence: top ${k} of ${numItems} items, ${lists.ids.length} pairs (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const base = withoutCooccurrence(f32.tensors);
  const config = { ...f32.manifest.config, ...NO_MEMORY };
  let chosen = { weight: weights[0]!, gain: gains[0]!, ...walks[0]! };
  if (weights.length * gains.length * walks.length > 1) {
    const select = args.choice<'full' | 'sampled'>('select');
    const evalUsers = args.num('eval-users');
    const sub = evalUsers > 0 ? subsetSplit(split, evalUsers) : split;
    const model = plainSasrec(config, base, f32.attributes);
    const scoreHistories = historyScorer(model);
    const grid = [
      { weight: 0, gain: 0, hops: 1, paths: 0 },
      ...weights.flatMap((weight) => gains.flatMap((gain) => walks.map((walk) => ({ weight, gain, ...walk })))),
    ];
    // Per history: the walk once, then its blend for each (steps, path weight).
    const longest = Math.max(...hopCounts);
    let walk: Float32Array[] = [];
    const blends = new Map<string, Float32Array>();
    let last: readonly number[] | null = null;
    const results = await evaluateVariants(
      sub,
      (h, users) => scoreHistories(h, prefixFeatures(data.features, h, users)),
      { target: 'validation', protocol: select, negatives: args.num('negatives'), numItems, sequences: data.items },
      grid.map(({ weight, gain, hops, paths }) => (row, history) => {
        if (weight === 0) return row;
        if (history !== last) {
          walk = neighbourWalk(lists, history, config.maxLength, longest);
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
    scoreHistories.dispose();
    let best = 0;
    const describe = ({ weight, gain, hops, paths }: (typeof grid)[number]) =>
      weight === 0 ? 'no memory' : `weight ${weight}, gain ${gain}, ${hops === 1 ? '1 step' : `${hops} steps, paths ${paths}`}`;
    results.forEach((r, i) => {
      log(`  valid (${describe(grid[i]!)}) ${select} HR@10 ${r.hr10.toFixed(4)} NDCG@10 ${r.ndcg10.toFixed(4)} MRR ${r.mrr.toFixed(4)} (${r.users} users)`);
      if (r.ndcg10 > results[best]!.ndcg10) best = i;
    });
    chosen = grid[best]!;
    log(`keeps ${chosen.weight === 0 ? 'no memory (none was better on validation)' : describe(chosen)} (best validation ${select} NDCG@10 ${results[best]!.ndcg10.toFixed(4)})`);
  }
  const kept = withCooccurrence(config, base, lists, chosen.weight, chosen.gain, chosen.hops, chosen.paths);
  // The memory replaces any earlier one, and so does its step in the recorded command.
  const trainedWith = (training.command ?? 'edgereco train').split(' && edgereco neighbours ')[0];
  const record = { ...training, command: `${trainedWith} && edgereco neighbours ${args.line()}` };
  const bytes8 = writeBundle(dir, await encodeBundle(kept.config, vocabulary, kept.arrays, 'int8', record, f32.attributes));
  const bytes32 = writeBundle(join(dir, 'f32'), await encodeBundle(kept.config, vocabulary, kept.arrays, 'float32', record, f32.attributes));
  log(`wrote ${dir}: int8 files ${bytes8} bytes, f32 twin ${bytes32} bytes (${(bytes8 / bytes32).toFixed(3)}× without the manifests)`);
}
