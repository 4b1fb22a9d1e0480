import { countInteractions } from './datasets/sequence-dataset.js';
import { evaluateProtocols } from './evaluation/evaluate-ranking.js';
import { leaveOneOut, type LeaveOneOutSplit } from './evaluation/leave-one-out.js';
import { historyScorer, prefixFeatures } from './evaluation/catalog-scores.js';
import type { SequenceDataset, SequenceFeatures } from './datasets/sequence-dataset.js';
import { EVENT_TYPES } from '../../src/core/events.js';
import { RECENCY_BUCKETS } from '../../src/core/featurize.js';
import { plainSasrec, type PlainSasrec } from '../../src/model/history-state.js';
import { sasrecConfig, type SasrecConfig } from '../../src/model/sasrec-config.js';
import type { NamedArray } from '../../src/model/model-bundle.js';
import { SasrecTrainer, type SasrecLoss } from './training/sasrec-trainer.js';
import { initSasrecWeights } from './training/sasrec-weights.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseItemAttributes } from './datasets/item-attributes.js';
import { attributeMatrix } from './training/item-table.js';
import { encodeBundle } from './training/encode-bundle.js';
import type { TrainingRecord } from '../../src/model/model-bundle.js';
import { trainingDataHash } from './training/training-data-hash.js';
import { exportWeights } from './training/weights-io.js';
import { parseArgs, type Args } from './args.js';
import { TRAIN } from './commands.js';
import { writeBundle } from './bundle-files.js';
import { EVENT_FORMATS, readEvents, RETAIL_SEQUENCES } from './read-events.js';
import { useBackend } from './wasm-backend.js';
import { trainEnsemble } from './train-ensemble.js';

/**
 * `train --events FILE --format F [--split leave-one-out] [--epochs N] [--minutes M] [--eval-every K] ...`
 * With `--eval-every K`, ranks the validation items (never the test items) every K epochs, full and sampled.
 */
export async function trainCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(TRAIN, argv);
  const members = args.num('members');
  if (members > 1) return trainEnsemble(args, members);
  const format = args.choice<(typeof EVENT_FORMATS)[number]>('format');
  const sequence = args.choice<(typeof RETAIL_SEQUENCES)[number]>('sequence');
  const backend = await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
  const data = readEvents(args.str('events'), format, sequence);
  const numItems = data.itemIds.length;
  log(`data: ${data.userIds.length} sequences, ${numItems} items, ${countInteractions(data)} interactions; backend ${backend}`);
  const split = leaveOneOut(data.items);
  const useSplit = args.choice<'leave-one-out' | 'none'>('split') === 'leave-one-out';
  const trainSeqs = useSplit ? split.train : data.items;
  const { attrs, maxAttributes, attributeTable } = readAttributes(args, data.itemIds);
  const useFeatures = args.choice<'auto' | 'none'>('features') === 'auto' ? featureChoice(data.features, trainSeqs) : { eventTypes: 0, gapBuckets: 0 };
  const config = sasrecConfig({
    ...useFeatures,
    numAttributes: attrs?.attributeIds.length ?? 0,
    maxAttributes,
    numItems,
    dim: args.num('dim'),
    blocks: args.num('blocks'),
    heads: args.num('heads'),
    ffnDim: args.has('ffn') ? args.num('ffn') : args.num('dim'),
    maxLength: args.num('max-length'),
    dropout: args.num('dropout'),
  });
  const seed = args.num('seed');
  const weights = initSasrecWeights(config, seed);
  const loss = args.choice<SasrecLoss>('loss');
  const schedule = args.choice<'constant' | 'cosine'>('lr-schedule');
  const trainer = new SasrecTrainer(config, weights, {
    loss,
    batchSize: args.num('batch'),
    learningRate: args.num('lr'),
    negatives: args.num('negatives'),
    schedule,
    scheduleEpochs: args.num('epochs'),
    ...(attributeTable ? { attributes: attributeTable } : {}),
    seed,
  });
  log(`config ${JSON.stringify(config)} loss ${loss} batch ${args.num('batch')} lr ${args.num('lr')} ${schedule}`);
  const epochs = args.num('epochs');
  const deadline = Date.now() + args.num('minutes') * 60_000;
  const evalEvery = args.num('eval-every');
  const evalUsers = args.num('eval-users');
  const started = Date.now();
  let epochsDone = 0;
  /** --patience P: stop after P validation rounds without a better validation NDCG@10. 0 = off. */
  const patience = args.num('patience');
  /** --select full|sampled: which validation NDCG@10 picks the kept epoch (sampled suits a sampled-protocol target). */
  const select = args.choice<'full' | 'sampled'>('select');
  let stop = false;
  // The popularity prior: log(1 + count) of each item in the training sequences. `--prior-weight auto` (with a split
  // and --eval-every) picks its weight on validation with the epoch; a number fixes it; without a split, 0 by default.
  const prior = itemPrior(trainSeqs, numItems);
  const weightsToTry = priorWeightsToTry(args, useSplit);
  const withPrior = (arrays: NamedArray[], w: number) => withItemPrior(config, arrays, prior, w);
  // With --eval-every, the bundle keeps the epoch and prior weight with the best validation NDCG@10 (--select); never
  // the test items.
  let best: { ndcg10: number; epoch: number; priorWeight: number; arrays: NamedArray[] | null } = { ndcg10: -1, epoch: 0, priorWeight: weightsToTry[0]!, arrays: null };
  for (let e = 1; e <= epochs && Date.now() < deadline && !stop; e++) {
    epochsDone = e;
    const cpu = process.cpuUsage();
    const stats = await trainer.epoch(trainSeqs, e, progress, data.features);
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    log(`epoch ${e} loss ${stats.loss.toFixed(4)} ${stats.seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s cpu (${stats.batches} batches, ${stats.positions} positions; ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB)`);
    if (evalEvery > 0 && useSplit && (e % evalEvery === 0 || e === epochs)) {
      const sub = evalUsers > 0 ? subsetSplit(split, evalUsers) : split;
      const arrays = exportWeights(weights);
      let improved = false;
      for (const w of weightsToTry) {
        const candidate = withPrior(arrays, w);
        const score = await validationScore(select, sub, data, plainSasrec(candidate.config, candidate.arrays, attributeTable), `prior ${w}`);
        if (score > best.ndcg10) {
          best = { ndcg10: score, epoch: e, priorWeight: w, arrays };
          improved = true;
        }
      }
      if (!improved && patience > 0 && e - best.epoch >= patience * evalEvery) stop = true;
    }
  }
  log(`trained in ${((Date.now() - started) / 60_000).toFixed(1)} min, ${epochsDone} epochs`);
  const out = args.get('out');
  if (typeof out === 'string') {
    const training: TrainingRecord = {
      dataHash: await trainingDataHash(trainSeqs, data.itemIds),
      split: useSplit ? 'leave-one-out' : 'none',
      format,
      epochs: best.arrays ? best.epoch : epochsDone,
      seed,
      command: `edgereco train ${process.argv.slice(3).join(' ')}`,
    };
    const kept = withPrior(best.arrays ?? exportWeights(weights), best.priorWeight);
    if (best.arrays) log(`bundle keeps epoch ${best.epoch}, prior weight ${best.priorWeight} (best validation ${select} NDCG@10 ${best.ndcg10.toFixed(4)})`);
    const int8 = await encodeBundle(kept.config, data.itemIds, kept.arrays, 'int8', training, attributeTable);
    const f32 = await encodeBundle(kept.config, data.itemIds, kept.arrays, 'float32', training, attributeTable);
    const bytes8 = writeBundle(out, int8);
    const bytes32 = writeBundle(join(out, 'f32'), f32);
    log(`wrote ${out}: int8 weights ${bytes8} bytes, f32 twin ${bytes32} bytes (${(bytes8 / bytes32).toFixed(3)}×)`);
  }
}

/** `--attributes FILE`: the item attributes, their table `[numItems + 1, maxAttributes]` (none without the option). */
export function readAttributes(args: Args, itemIds: readonly string[]) {
  const attributesPath = args.get('attributes');
  const attrs = typeof attributesPath === 'string' ? parseItemAttributes(readFileSync(attributesPath, 'utf8'), itemIds) : undefined;
  let maxAttributes = 0;
  if (attrs) {
    maxAttributes = 1;
    for (const a of attrs.attributes) if (a.length > maxAttributes) maxAttributes = a.length; // no spread: one row per item
  }
  const attributeTable = attrs ? attributeMatrix(attrs.attributes, maxAttributes) : undefined;
  return { attrs, maxAttributes, attributeTable };
}

/** The popularity prior: `log(1 + count)` of each item in the training sequences (`[numItems + 1]`). */
export function itemPrior(train: readonly (readonly number[])[], numItems: number): Float32Array {
  const prior = new Float32Array(numItems + 1);
  for (const seq of train) for (const i of seq) prior[i]! += 1;
  for (let i = 0; i <= numItems; i++) prior[i] = Math.log1p(prior[i]!);
  return prior;
}

/**
 * Ranks the validation items of `split` (full and 99 sampled negatives), logs both and returns the NDCG@10 that
 * `select` names. Never reads the test items.
 */
export async function validationScore(select: 'full' | 'sampled', split: LeaveOneOutSplit, data: SequenceDataset, model: PlainSasrec, label: string): Promise<number> {
  const t = Date.now();
  const scoreHistories = historyScorer(model);
  const scorer = (h: readonly (readonly number[])[], users?: readonly number[]) => scoreHistories(h, prefixFeatures(data.features, h, users));
  const r = await evaluateProtocols(split, scorer, { target: 'validation', negatives: 99, numItems: data.itemIds.length, sequences: data.items }, ['full', 'sampled']);
  scoreHistories.dispose();
  const full = r.full!;
  const sampled = r.sampled!;
  log(`  valid (${label}) full HR@10 ${full.hr10.toFixed(4)} NDCG@10 ${full.ndcg10.toFixed(4)} MRR ${full.mrr.toFixed(4)} | sampled99 HR@10 ${sampled.hr10.toFixed(4)} NDCG@10 ${sampled.ndcg10.toFixed(4)} MRR ${sampled.mrr.toFixed(4)} (${full.users} users, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return select === 'sampled' ? sampled.ndcg10 : full.ndcg10;
}

/**
 * The prior weights to choose from: the given `--prior-weight`, or with `auto` (the default) {@link PRIOR_WEIGHTS} when
 * validation runs (a split and `--eval-every`), else 0.
 */
export function priorWeightsToTry(args: Args, useSplit: boolean): number[] {
  if (args.str('prior-weight') !== 'auto') return [args.num('prior-weight')];
  return useSplit && args.num('eval-every') > 0 ? PRIOR_WEIGHTS : [0];
}

/** The model with a popularity prior of weight `w` (its config, and the arrays with `itemPrior`); unchanged for 0. */
export function withItemPrior(config: SasrecConfig, arrays: NamedArray[], prior: Float32Array, w: number): { config: SasrecConfig; arrays: NamedArray[] } {
  return w > 0 ? { config: { ...config, priorWeight: w }, arrays: [...arrays, { name: 'itemPrior', shape: [1, prior.length], data: prior }] } : { config, arrays };
}

/** The prior weights `--prior-weight auto` tries on validation. */
export const PRIOR_WEIGHTS = [0, 0.25, 0.5, 0.75, 1, 1.5, 2];

/**
 * `--features auto`: read event types when the training data has at least two kinds, and the gap to the next event
 * when at least 1% of the training positions have a gap bucket other than the most common one (a feature that never
 * varies teaches nothing: the published invoice sequences share one time per invoice).
 */
function featureChoice(features: SequenceFeatures | undefined, train: readonly (readonly number[])[]): { eventTypes: number; gapBuckets: number } {
  if (!features) return { eventTypes: 0, gapBuckets: 0 };
  const typeSet = new Set<number>();
  const gapCounts = new Map<number, number>();
  let positions = 0;
  train.forEach((seq, u) => {
    for (let j = 0; j < seq.length; j++) {
      typeSet.add(features.types[u]![j]!);
      const g = features.gaps[u]![j]!;
      gapCounts.set(g, (gapCounts.get(g) ?? 0) + 1);
      positions++;
    }
  });
  const commonest = Math.max(0, ...gapCounts.values());
  return {
    eventTypes: typeSet.size >= 2 ? EVENT_TYPES.length : 0,
    gapBuckets: positions > 0 && (positions - commonest) / positions >= 0.01 ? RECENCY_BUCKETS : 0,
  };
}

export function subsetSplit<T extends { train: readonly (readonly number[])[]; validation: readonly number[]; test: readonly number[] }>(split: T, n: number): T {
  // Every k-th user, so the subset is spread over the file; ranks use the same per-user seeds as the full run.
  const step = Math.max(1, Math.floor(split.train.length / n));
  return {
    ...split,
    validation: split.validation.map((v, u) => (u % step === 0 ? v : 0)),
    test: split.test.map(() => 0),
  };
}

/** A one-line progress bar on stderr (when it is a terminal), e.g. `[#####.....] 88/175`. */
function progress(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}

export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}
