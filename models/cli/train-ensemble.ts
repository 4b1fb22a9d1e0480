import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { leaveOneOut } from './evaluation/leave-one-out.js';
import { encodeBundle } from './training/encode-bundle.js';
import type { NamedArray } from '../../src/model/model-bundle.js';
import { plainSasrec } from '../../src/model/history-state.js';
import type { TrainingRecord } from '../../src/model/model-bundle.js';
import { NO_MEMORY } from '../../src/model/sasrec-config.js';
import { trainingDataHash } from './training/training-data-hash.js';
import type { Args } from './args.js';
import { readBundle, writeBundle } from './bundle-files.js';
import { cliBin } from './cli-bin.js';
import { EVENT_FORMATS, readEvents, RETAIL_SEQUENCES } from './read-events.js';
import { withoutCooccurrence } from './cooccurrence.js';
import { itemPrior, log, priorWeightsToTry, readAttributes, subsetSplit, validationScore, withItemPrior } from './train.js';
import { useBackend } from './wasm-backend.js';
import { createError, ERROR_CODES } from '../../src/core/errors.js';

/** Options of `train` that the ensemble sets for each member itself. */
const OWN_OPTIONS = new Set(['members', 'parallel', 'out', 'seed', 'minutes']);

/**
 * `train --members K [--parallel P]`: trains K models with seeds S, S+1, ... (each a plain `train` run in its own
 * process, P at a time: one core each), then writes one bundle that averages their scores, with one popularity prior
 * whose weight is chosen on validation for the ensemble (`--prior-weight auto`). `--minutes M` bounds the whole run:
 * each wave of P members gets an equal share, less two minutes for the combining.
 */
export async function trainEnsemble(args: Args, members: number): Promise<void> {
  const parallel = Math.min(members, args.has('parallel') ? args.num('parallel') : Math.max(1, availableParallelism()));
  const out = args.str('out');
  const seed = args.num('seed');
  const waves = Math.ceil(members / parallel);
  const minutes = Math.max(1, (args.num('minutes') - 2) / waves);
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'edgereco-members-'));
  try {
    const passOn: string[] = [];
    for (const [name, value] of args.given) if (!OWN_OPTIONS.has(name)) passOn.push(`--${name}`, ...(typeof value === 'string' ? [value] : []));
    log(`ensemble of ${members} members, ${parallel} at a time, ${minutes.toFixed(1)} minutes each`);
    const dirs = Array.from({ length: members }, (_, k) => join(work, `member-${k}`));
    let next = 0;
    const runMember = async (): Promise<void> => {
      for (let k = next++; k < members; k = next++) {
        await trainMember(k, [...passOn, '--seed', String(seed + k), '--minutes', minutes.toFixed(2), '--out', dirs[k]!]);
      }
    };
    await Promise.all(Array.from({ length: parallel }, runMember));

    await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
    const format = args.choice<(typeof EVENT_FORMATS)[number]>('format');
    const data = readEvents(args.str('events'), format, args.choice<(typeof RETAIL_SEQUENCES)[number]>('sequence'));
    const numItems = data.itemIds.length;
    const split = leaveOneOut(data.items);
    const useSplit = args.str('split') === 'leave-one-out';
    const trainSeqs = useSplit ? split.train : data.items;
    const { attributeTable } = readAttributes(args, data.itemIds);
    const bundles = await Promise.all(dirs.map((d) => readBundle(join(d, 'f32')))); // the exact float weights
    const config = { ...bundles[0]!.manifest.config, members, priorWeight: 0, ...NO_MEMORY };
    // The members' own prior and memory give way to the ensemble's.
    const arrays: NamedArray[] = bundles.flatMap((b, k) =>
      withoutCooccurrence(b.tensors.filter((t) => t.name !== 'itemPrior')).map((t) => ({ ...t, name: `members.${k}.${t.name}` })),
    );
    const prior = itemPrior(trainSeqs, numItems);
    const weightsToTry = priorWeightsToTry(args, useSplit);
    const withPrior = (w: number) => withItemPrior(config, arrays, prior, w);
    let best = { score: -1, weight: weightsToTry[0]! };
    if (weightsToTry.length > 1) {
      const evalUsers = args.num('eval-users');
      const sub = evalUsers > 0 ? subsetSplit(split, evalUsers) : split;
      const select = args.choice<'full' | 'sampled'>('select');
      for (const w of weightsToTry) {
        const candidate = withPrior(w);
        const score = await validationScore(select, sub, data, plainSasrec(candidate.config, candidate.arrays, attributeTable), `ensemble, prior ${w}`);
        if (score > best.score) best = { score, weight: w };
      }
      log(`ensemble keeps prior weight ${best.weight} (best validation ${select} NDCG@10 ${best.score.toFixed(4)})`);
    }
    const kept = withPrior(best.weight);
    const memberRecords = bundles.map((b) => ({ seed: b.manifest.training!.seed, epochs: b.manifest.training!.epochs }));
    const training: TrainingRecord = {
      dataHash: await trainingDataHash(trainSeqs, data.itemIds),
      split: useSplit ? 'leave-one-out' : 'none',
      format,
      epochs: Math.max(...memberRecords.map((m) => m.epochs)),
      seed,
      members: memberRecords,
      command: `edgereco train ${process.argv.slice(3).join(' ')}`,
    };
    const bytes8 = writeBundle(out, await encodeBundle(kept.config, data.itemIds, kept.arrays, 'int8', training, attributeTable));
    const bytes32 = writeBundle(join(out, 'f32'), await encodeBundle(kept.config, data.itemIds, kept.arrays, 'float32', training, attributeTable));
    log(`trained the ensemble in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
    log(`wrote ${out}: int8 weights ${bytes8} bytes, f32 twin ${bytes32} bytes (${(bytes8 / bytes32).toFixed(3)}×)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `edgereco train ARGS` in a child process, its output lines prefixed with the member's number. */
function trainMember(k: number, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin(), 'train', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => console.log(`[member ${k}] ${line}`));
    }
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(createError(ERROR_CODES.INTERNAL, { problem: `ensemble member ${k} failed (exit code ${code ?? 'signal'})`, next: 'its output is above' }))));
  });
}
