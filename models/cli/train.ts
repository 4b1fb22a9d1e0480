import { countInteractions } from '../../src/core/datasets/sequence-dataset.js';
import { evaluateProtocols } from '../../src/core/evaluation/evaluate-ranking.js';
import { leaveOneOut } from '../../src/core/evaluation/leave-one-out.js';
import { historyScorer } from '../../src/model/catalog-scores.js';
import { plainSasrec } from '../../src/model/history-state.js';
import { sasrecConfig } from '../../src/model/sasrec-config.js';
import { SasrecTrainer, type SasrecLoss } from '../../src/model/sasrec-trainer.js';
import { initSasrecWeights } from '../../src/model/sasrec-weights.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { parseItemAttributes } from '../../src/core/datasets/item-attributes.js';
import { attributeMatrix } from '../../src/model/item-table.js';
import { encodeBundle } from '../../src/model/encode-bundle.js';
import type { TrainingRecord } from '../../src/model/model-bundle.js';
import { trainingDataHash } from '../../src/model/training-data-hash.js';
import { exportWeights } from '../../src/model/weights-io.js';
import { num, oneOf, str, type Args } from './args.js';
import { writeBundle } from './bundle-files.js';
import { EVENT_FORMATS, readEvents, RETAIL_SEQUENCES } from './read-events.js';
import { useBackend } from './wasm-backend.js';

/**
 * `train --events FILE --format F [--split leave-one-out] [--epochs N] [--minutes M] [--eval-every K] ...`
 * With `--eval-every K`, ranks the validation items (never the test items) every K epochs, full and sampled.
 */
export async function trainCommand(args: Args): Promise<void> {
  const format = oneOf(args, 'format', EVENT_FORMATS, 's3rec');
  const sequence = oneOf(args, 'sequence', RETAIL_SEQUENCES, 'invoice');
  const backend = await useBackend(oneOf(args, 'backend', ['wasm', 'cpu'] as const, 'wasm'));
  const data = readEvents(str(args, 'events'), format, sequence);
  const numItems = data.itemIds.length;
  log(`data: ${data.userIds.length} sequences, ${numItems} items, ${countInteractions(data)} interactions; backend ${backend}`);
  const split = leaveOneOut(data.items);
  const useSplit = oneOf(args, 'split', ['leave-one-out', 'none'] as const, 'none') === 'leave-one-out';
  const trainSeqs = useSplit ? split.train : data.items;
  const attributesPath = args.get('attributes');
  const attrs = typeof attributesPath === 'string' ? parseItemAttributes(readFileSync(attributesPath, 'utf8'), data.itemIds) : undefined;
  const maxAttributes = attrs ? Math.max(1, ...attrs.attributes.map((a) => a.length)) : 0;
  const attributeTable = attrs ? attributeMatrix(attrs.attributes, maxAttributes) : undefined;
  const config = sasrecConfig({
    numAttributes: attrs?.attributeIds.length ?? 0,
    maxAttributes,
    numItems,
    dim: num(args, 'dim', 64),
    blocks: num(args, 'blocks', 2),
    heads: num(args, 'heads', 1),
    ffnDim: num(args, 'ffn', num(args, 'dim', 64)),
    maxLength: num(args, 'max-length', 50),
    dropout: num(args, 'dropout', 0.5),
  });
  const seed = num(args, 'seed', 1);
  const weights = initSasrecWeights(config, seed);
  const loss = oneOf<SasrecLoss>(args, 'loss', ['softmax', 'sampled-softmax', 'bce'], 'sampled-softmax');
  const trainer = new SasrecTrainer(config, weights, {
    loss,
    batchSize: num(args, 'batch', 128),
    learningRate: num(args, 'lr', 0.001),
    negatives: num(args, 'negatives', 1024),
    ...(attributeTable ? { attributes: attributeTable } : {}),
    seed,
  });
  log(`config ${JSON.stringify(config)} loss ${loss} batch ${num(args, 'batch', 128)} lr ${num(args, 'lr', 0.001)}`);
  const epochs = num(args, 'epochs', 200);
  const deadline = Date.now() + num(args, 'minutes', 60) * 60_000;
  const evalEvery = num(args, 'eval-every', 0);
  const evalUsers = num(args, 'eval-users', 0);
  const started = Date.now();
  let epochsDone = 0;
  /** --patience P: stop after P validation rounds without a better validation NDCG@10. 0 = off. */
  const patience = num(args, 'patience', 0);
  /** --select full|sampled: which validation NDCG@10 picks the kept epoch (sampled suits a sampled-protocol target). */
  const select = oneOf(args, 'select', ['full', 'sampled'] as const, 'full');
  let stop = false;
  // With --eval-every, the bundle keeps the epoch with the best validation NDCG@10 (--select); never the test items.
  let best: { ndcg10: number; epoch: number; arrays: ReturnType<typeof exportWeights> | null } = { ndcg10: -1, epoch: 0, arrays: null };
  for (let e = 1; e <= epochs && Date.now() < deadline && !stop; e++) {
    epochsDone = e;
    const cpu = process.cpuUsage();
    const stats = await trainer.epoch(trainSeqs, e, progress);
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    log(`epoch ${e} loss ${stats.loss.toFixed(4)} ${stats.seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s cpu (${stats.batches} batches, ${stats.positions} positions; ${tf.memory().numTensors} tensors, ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB)`);
    if (evalEvery > 0 && useSplit && (e % evalEvery === 0 || e === epochs)) {
      const t = Date.now();
      const sub = evalUsers > 0 ? subsetSplit(split, evalUsers) : split;
      const scorer = historyScorer(plainSasrec(config, exportWeights(weights), attributeTable));
      const r = await evaluateProtocols(sub, scorer, { target: 'validation', negatives: 99, numItems, sequences: data.items }, ['full', 'sampled']);
      const full = r.full!;
      const sampled = r.sampled!;
      scorer.dispose();
      const score = select === 'sampled' ? sampled.ndcg10 : full.ndcg10;
      if (score > best.ndcg10) best = { ndcg10: score, epoch: e, arrays: exportWeights(weights) };
      else if (patience > 0 && e - best.epoch >= patience * evalEvery) stop = true;
      log(`  valid full HR@10 ${full.hr10.toFixed(4)} NDCG@10 ${full.ndcg10.toFixed(4)} MRR ${full.mrr.toFixed(4)} | sampled99 HR@10 ${sampled.hr10.toFixed(4)} NDCG@10 ${sampled.ndcg10.toFixed(4)} MRR ${sampled.mrr.toFixed(4)} (${full.users} users, ${((Date.now() - t) / 1000).toFixed(1)} s)`);
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
    const arrays = best.arrays ?? exportWeights(weights);
    if (best.arrays) log(`bundle keeps epoch ${best.epoch} (best validation ${select} NDCG@10 ${best.ndcg10.toFixed(4)})`);
    const int8 = await encodeBundle(config, data.itemIds, arrays, 'int8', training, attributeTable);
    const f32 = await encodeBundle(config, data.itemIds, arrays, 'float32', training, attributeTable);
    const bytes8 = writeBundle(out, int8);
    const bytes32 = writeBundle(join(out, 'f32'), f32);
    log(`wrote ${out}: int8 weights ${bytes8} bytes, f32 twin ${bytes32} bytes (${(bytes8 / bytes32).toFixed(3)}×)`);
  }
}

function subsetSplit<T extends { train: readonly (readonly number[])[]; validation: readonly number[]; test: readonly number[] }>(split: T, n: number): T {
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

function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}
