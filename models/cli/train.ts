import { countInteractions } from './datasets/sequence-dataset.js';
import { evaluateProtocols } from './evaluation/evaluate-ranking.js';
import { leaveOneOut, type LeaveOneOutSplit } from './evaluation/leave-one-out.js';
import { holdOutLast, withValidation } from './evaluation/held-out.js';
import { historyScorer, prefixFeatures } from './evaluation/catalog-scores.js';
import type { SequenceDataset, SequenceFeatures } from './datasets/sequence-dataset.js';
import { EVENT_TYPES } from '../../src/core/events.js';
import { RECENCY_BUCKETS } from '../../src/core/featurize.js';
import { plainSasrec, type PlainSasrec } from '../../src/model/history-state.js';
import { sasrecConfig, type SasrecConfig } from '../../src/model/sasrec-config.js';
import type { NamedArray } from '../../src/model/model-bundle.js';
import { SasrecTrainer, type SasrecLoss } from './training/sasrec-trainer.js';
import { flattenWeights, initSasrecWeights, type SasrecWeights } from './training/sasrec-weights.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseItemAttributes } from './datasets/item-attributes.js';
import { attributeMatrix } from './training/item-table.js';
import { encodeBundle } from './training/encode-bundle.js';
import { exportWeights } from './training/weights-io.js';
import { parseArgs, type Args } from './args.js';
import { AUTO_MEMBERS_ITEMS, AUTO_MEMBERS_MAX, FULL_SOFTMAX_ITEMS, TRAIN } from './commands.js';
import { writeBundle } from './bundle-files.js';
import { EVENT_FORMATS, readEvents, RETAIL_SEQUENCES } from './read-events.js';
import { useBackend } from './wasm-backend.js';
import { trainEnsemble, type EnsembleSize } from './train-ensemble.js';
import { finishBundle } from './train-finish.js';

/**
 * `train --events FILE --format F --out DIR [options]`. With no other option it chooses for itself: it holds out each
 * sequence's last item (with `--split leave-one-out`, the validation item before the test item), trains with early
 * stopping on those validation items, chooses the popularity prior's weight and the co-occurrence memory on them, then
 * trains a few more epochs on all the data (`--continue`) for the bundle it writes. Never reads the test items.
 */
export async function trainCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(TRAIN, argv);
  const format = args.choice<(typeof EVENT_FORMATS)[number]>('format');
  const sequence = args.choice<(typeof RETAIL_SEQUENCES)[number]>('sequence');
  const data = readEvents(args.str('events'), format, sequence);
  const numItems = data.itemIds.length;
  const size = ensembleSize(args, numItems);
  if (size.members > 1 || (size.upTo ?? 1) > 1) return trainEnsemble(args, size, data);
  const backend = await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
  log(`data: ${data.userIds.length} sequences, ${numItems} items, ${countInteractions(data)} interactions; backend ${backend}`);
  const plan = trainingPlan(args, data.items);
  const { attrs, maxAttributes, attributeTable } = readAttributes(args, data.itemIds);
  const useFeatures = args.choice<'auto' | 'none'>('features') === 'auto' ? featureChoice(data.features, plan.fit) : { eventTypes: 0, gapBuckets: 0 };
  const config = sasrecConfig({
    ...useFeatures,
    numAttributes: attrs?.attributeIds.length ?? 0,
    maxAttributes,
    numItems,
    dim: args.num('dim'),
    blocks: args.num('blocks'),
    heads: args.num('heads'),
    positions: args.choice<'distance' | 'recency'>('positions'),
    ffnDim: args.has('ffn') ? args.num('ffn') : args.num('dim'),
    maxLength: args.num('max-length'),
    dropout: args.num('dropout'),
  });
  const seed = args.num('seed');
  const weights = initSasrecWeights(config, seed);
  const loss = lossChoice(args, numItems);
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
  log(`config ${JSON.stringify(config)} loss ${loss}${args.has('loss') ? '' : ` (auto: ${numItems.toLocaleString('en')} items)`} batch ${args.num('batch')} lr ${args.num('lr')} ${schedule}`);
  log(plan.choice ? `validation: the ${plan.validationUsers.toLocaleString('en')} ${plan.useSplit ? 'validation items of the split' : 'last items of the sequences'}, about ${Math.min(plan.validationUsers, args.num('eval-users') || Infinity).toLocaleString('en')} users per round` : 'no validation (--eval-every 0): the bundle keeps the last epoch');
  if (plan.choice && plan.validationUsers < FEW_VALIDATION_USERS) {
    log(`warning: only ${plan.validationUsers.toLocaleString('en')} sequences to validate on (fewer than ${FEW_VALIDATION_USERS}): the choices below are noise at this size, and a model learns little from so few shoppers; the SDK's popularity and co-occurrence lists (no modelUrl) may serve this store better until it has more`);
  }
  const epochs = args.num('epochs');
  const started = Date.now();
  const deadline = started + args.num('minutes') * 60_000;
  const cadence = evaluationCadence(args);
  const patience = args.str('patience') === 'auto' ? AUTO_PATIENCE : { rounds: args.num('patience'), epochs: 0 };
  /** --select full|sampled: which validation NDCG@10 picks the kept epoch (sampled suits a sampled-protocol target). */
  const select = args.choice<'full' | 'sampled'>('select');
  // The popularity prior: log(1 + count) of each item in the training sequences. `--prior-weight auto` picks its weight
  // on validation with the epoch; a number fixes it; without validation, 0 by default.
  const prior = itemPrior(plan.fit, numItems);
  const weightsToTry = priorWeightsToTry(args, plan.choice !== null);
  const sub = plan.choice && subsetSplit(plan.choice, args.num('eval-users'));
  let best: { ndcg10: number; epoch: number; priorWeight: number; arrays: NamedArray[] | null } = { ndcg10: -1, epoch: 0, priorWeight: weightsToTry[0]!, arrays: null };
  let epochsDone = 0;
  let roundsWithout = 0;
  let lastEval = 0;
  let evalSeconds = 0;
  let epochSeconds = 0;
  const bar = progressBar(deadline);
  // Whether epoch `e` still fits, leaving time for what follows the choices: the epochs on all the data and the memory.
  const fits = (e: number): boolean => {
    const reserve = plan.continueEpochs(Math.max(best.epoch, e)) * epochSeconds + (plan.choice && args.num('neighbours') > 0 ? MEMORY_CHOICE_ROUNDS * evalSeconds : 0);
    return e === 1 || Date.now() + (epochSeconds + reserve) * 1000 <= deadline;
  };
  for (let e = 1; e <= epochs; e++) {
    if (!fits(e)) {
      log(`stops before epoch ${e}: the budget (--minutes ${args.num('minutes')}) leaves no time for it and what follows`);
      break;
    }
    epochsDone = e;
    const cpu = process.cpuUsage();
    const stats = await trainer.epoch(plan.fit, e, (done, total) => bar(`epoch ${e}`, done, total), data.features);
    epochSeconds = stats.seconds;
    const used = process.cpuUsage(cpu);
    log(`epoch ${e} loss ${stats.loss.toFixed(4)} ${stats.seconds.toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s cpu (${stats.batches} batches, ${stats.positions} positions; ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB)`);
    // Validate on the cadence, and after the last epoch there is (by count or by time), so no epoch goes unjudged.
    if (!sub || (!cadence(e, lastEval, epochSeconds, evalSeconds) && e !== epochs && fits(e + 1))) continue;
    const t = Date.now();
    lastEval = e;
    const arrays = exportWeights(weights);
    const round = await bestPriorWeight({ config, arrays }, prior, weightsToTry, select, sub, data, attributeTable, `epoch ${e}`);
    const improved = round.score > best.ndcg10;
    if (improved) best = { ndcg10: round.score, epoch: e, priorWeight: round.weight, arrays };
    evalSeconds = (Date.now() - t) / 1000;
    roundsWithout = improved ? 0 : roundsWithout + 1;
    if (patience.rounds > 0 && roundsWithout >= patience.rounds && e - best.epoch >= patience.epochs) {
      log(`early stop after epoch ${e}: no better validation ${select} NDCG@10 for ${roundsWithout} rounds (best ${best.ndcg10.toFixed(4)} at epoch ${best.epoch})`);
      break;
    }
  }
  log(`trained in ${((Date.now() - started) / 60_000).toFixed(1)} min, ${epochsDone} epochs${best.arrays ? `; keeps epoch ${best.epoch}, prior weight ${best.priorWeight} (best validation ${select} NDCG@10 ${best.ndcg10.toFixed(4)})` : ''}`);
  const chosen = best.arrays ?? exportWeights(weights);
  let final = chosen;
  let continued = 0;
  if (best.arrays && plan.continueEpochs(best.epoch) > 0) {
    restoreWeights(weights, chosen);
    const n = plan.continueEpochs(best.epoch);
    for (let c = 1; c <= n; c++) {
      if (c > 1 && Date.now() + epochSeconds * 1000 > deadline) break;
      const stats = await trainer.epoch(plan.all, best.epoch + c, (done, total) => bar(`all data ${c}/${n}`, done, total), data.features);
      epochSeconds = stats.seconds;
      continued = c;
      log(`epoch ${best.epoch + c} on all the data (validation items too) loss ${stats.loss.toFixed(4)} ${stats.seconds.toFixed(1)} s`);
    }
    final = exportWeights(weights);
  }
  const out = args.get('out');
  if (typeof out !== 'string') return;
  if (args.has('write-chosen')) writeBundle(join(out, 'chosen'), await encodeBundle(config, data.itemIds, chosen, 'float32', undefined, attributeTable));
  await finishBundle({
    args,
    data,
    plan,
    continued: continued > 0,
    config,
    members: [{ chosen, final, seed, epochs: best.arrays ? best.epoch + continued : epochsDone }],
    attributeTable,
    priorWeight: plan.choice ? best.priorWeight : undefined,
    format,
    out,
  });
}

/**
 * `--members auto`: one per core side by side, and more while the time allows, up to as many as keep the browser's
 * scoring product no wider than two members over {@link AUTO_MEMBERS_ITEMS} items (each member is a forward pass
 * and a share of the product), and at most {@link AUTO_MEMBERS_MAX}.
 */
function ensembleSize(args: Args, numItems: number): EnsembleSize {
  if (args.str('members') !== 'auto') return { members: args.num('members') };
  const upTo = Math.max(1, Math.min(AUTO_MEMBERS_MAX, Math.floor((2 * AUTO_MEMBERS_ITEMS) / numItems)));
  const cores = args.has('parallel') ? args.num('parallel') : availableParallelism();
  return { members: Math.max(1, Math.min(upTo, cores)), upTo };
}

/** `--loss auto`: the full softmax up to {@link FULL_SOFTMAX_ITEMS} items, else the sampled one. */
function lossChoice(args: Args, numItems: number): SasrecLoss {
  const loss = args.choice<SasrecLoss | 'auto'>('loss');
  if (loss !== 'auto') return loss;
  return numItems <= FULL_SOFTMAX_ITEMS ? 'softmax' : 'sampled-softmax';
}

/** What choosing the memory costs, in validation rounds (measured on Games: 160 s against 28 s a round). */
const MEMORY_CHOICE_ROUNDS = 6;

/** `--patience auto`: stop after this many rounds without a better validation score, and this many epochs. */
const AUTO_PATIENCE = { rounds: 3, epochs: 5 };

/** Fewer held-out items than this and `train` warns that its choices on them are noise (on 100 users NDCG@10's 95% interval is about ±0.03 at the levels seen on the shared data). */
const FEW_VALIDATION_USERS = 100;

/**
 * When to rank the validation items after epoch `e`: every `--eval-every` epochs, or with `auto` as soon as the
 * epochs since the last round took four times what a round takes (a fifth of the time on validation), the first
 * round after epoch 1.
 */
function evaluationCadence(args: Args): (e: number, lastEval: number, epochSeconds: number, evalSeconds: number) => boolean {
  if (args.str('eval-every') !== 'auto') {
    const every = args.num('eval-every');
    return (e) => every > 0 && e % every === 0;
  }
  return (e, lastEval, epochSeconds, evalSeconds) => (e - lastEval) * epochSeconds >= 4 * evalSeconds;
}

export interface TrainingPlan {
  useSplit: boolean;
  /** The split the choices are made on (its validation items), or null without validation (`--eval-every 0`). */
  choice: LeaveOneOutSplit | null;
  validationUsers: number;
  /** What the epochs before the choices train on (the validation items held out). */
  fit: readonly (readonly number[])[];
  /** Everything the bundle may learn from (all but the test items), for the epochs after the choices. */
  all: readonly (readonly number[])[];
  /** How many epochs on `all` follow a choice of `epoch` (0: none). */
  continueEpochs: (epoch: number) => number;
}

/** What `train` fits on, chooses on and ships, from `--split`, `--eval-every` and `--continue`. */
export function trainingPlan(args: Args, sequences: readonly (readonly number[])[]): TrainingPlan {
  const useSplit = args.choice<'leave-one-out' | 'none'>('split') === 'leave-one-out';
  const split = leaveOneOut(sequences);
  const validating = args.str('eval-every') === 'auto' || args.num('eval-every') > 0;
  const choice = validating ? (useSplit ? split : holdOutLast(sequences)) : null;
  const fit = choice ? choice.train : useSplit ? split.train : sequences;
  const all = useSplit ? withValidation(split) : sequences;
  const auto = args.str('continue') === 'auto';
  return {
    useSplit,
    choice,
    validationUsers: choice ? choice.validation.filter((v) => v > 0).length : 0,
    fit,
    all,
    continueEpochs: (epoch) => (!choice ? 0 : auto ? Math.max(1, Math.round(epoch / 10)) : args.num('continue')),
  };
}

/** Sets the trainer's variables to `arrays` (as {@link exportWeights} wrote them). */
function restoreWeights(weights: SasrecWeights, arrays: readonly NamedArray[]): void {
  const byName = new Map(arrays.map((a) => [a.name, a]));
  for (const [name, t] of flattenWeights(weights)) {
    const a = byName.get(name);
    if (a) (t as tf.Variable).assign(tf.tensor(a.data, a.shape, 'float32'));
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

/** The prior weight of `weights` whose model ranks the validation items of `split` best, with its NDCG@10 (`select`). */
export async function bestPriorWeight(
  model: { config: SasrecConfig; arrays: NamedArray[] },
  prior: Float32Array,
  weights: readonly number[],
  select: 'full' | 'sampled',
  split: LeaveOneOutSplit,
  data: SequenceDataset,
  attributeTable: Int32Array | undefined,
  label: string,
): Promise<{ weight: number; score: number }> {
  let best = { weight: weights[0]!, score: -1 };
  for (const w of weights) {
    const m = withItemPrior(model.config, model.arrays, prior, w);
    const score = await validationScore(select, split, data, plainSasrec(m.config, m.arrays, attributeTable), `${label}, prior ${w}`);
    if (score > best.score) best = { weight: w, score };
  }
  return best;
}

/** The prior weights to choose from: the given `--prior-weight`, or with `auto` {@link PRIOR_WEIGHTS} when validating, else 0. */
export function priorWeightsToTry(args: Args, validating: boolean): number[] {
  if (args.str('prior-weight') !== 'auto') return [args.num('prior-weight')];
  return validating ? PRIOR_WEIGHTS : [0];
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
  if (!(n > 0)) return split;
  // Every k-th user, so the subset is spread over the file; ranks use the same per-user seeds as the full run.
  const step = Math.max(1, Math.floor(split.train.length / n));
  return {
    ...split,
    validation: split.validation.map((v, u) => (u % step === 0 ? v : 0)),
    test: split.test.map(() => 0),
  };
}

/** A one-line progress bar on stderr (when it is a terminal): `[#####.....] epoch 3 88/175 · 41 min left`. */
function progressBar(deadline: number): (label: string, done: number, total: number) => void {
  return (label, done, total) => {
    if (!process.stderr.isTTY) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 60_000));
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${label} ${done}/${total} · ${left} min left${done === total ? '\n' : ''}`);
  };
}

export function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}
