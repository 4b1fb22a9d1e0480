import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NamedArray } from '../../src/model/model-bundle.js';
import type { Args } from './args.js';
import { readBundle } from './bundle-files.js';
import { cliBin } from './cli-bin.js';
import { EVENT_FORMATS } from './read-events.js';
import type { SequenceDataset } from './datasets/sequence-dataset.js';
import { withoutCooccurrence } from './cooccurrence.js';
import { log, readAttributes, trainingPlan } from './train.js';
import { finishBundle } from './train-finish.js';
import { useBackend } from './wasm-backend.js';
import { createError, ERROR_CODES } from '../../src/core/errors.js';

/**
 * How many members: `members` (the first wave with `upTo`); with `upTo` (`--members auto`), more waves while the
 * time allows, up to that many.
 */
export interface EnsembleSize {
  members: number;
  upTo?: number;
}

/** Options of `train` that the ensemble sets for each member itself. */
const OWN_OPTIONS = new Set(['members', 'parallel', 'out', 'seed', 'minutes', 'neighbours', 'write-chosen']);

/**
 * Another wave of members starts while what is left of the budget is at least this share of what the first wave
 * took. A member's best epoch comes before its early stop (three validation rounds later) and the epochs on all the
 * data: on Beauty the first pair took 30.6 minutes and had its best epochs at about 17 and 25. At 1.1 (before
 * 2026-12-07) the 24.4 minutes left there went unused and the bundle kept two members.
 */
const NEXT_WAVE_SHARE = 0.75;

/**
 * `train --members K [--parallel P]`: trains K models with seeds S, S+1, ... (each a plain `train` run in its own
 * process, P at a time: one core each, each choosing its epoch), then writes one bundle that averages their scores,
 * with one popularity prior and one co-occurrence memory chosen on validation for the ensemble ({@link finishBundle}).
 * `--minutes M` bounds the whole run, less two minutes and 5% for the combining: with a given K each wave of P members
 * gets an equal share; with `--members auto` ({@link EnsembleSize}) the first wave gets it all, and another wave
 * starts while what is left is at least {@link NEXT_WAVE_SHARE} of what the first took (its members stopped early),
 * up to `upTo`.
 * `data`: the events `train` read (to size the ensemble), reused for the combining.
 */
export async function trainEnsemble(args: Args, size: EnsembleSize, data: SequenceDataset): Promise<void> {
  const parallel = Math.min(size.members, args.has('parallel') ? args.num('parallel') : Math.max(1, availableParallelism()));
  const out = args.str('out');
  const seed = args.num('seed');
  const started = Date.now();
  // The combining chooses the prior and the memory on validation: about 3 minutes on Games (23,715 items).
  const budget = Math.max(1, args.num('minutes') * 0.95 - 2) * 60_000;
  const work = mkdtempSync(join(tmpdir(), 'edgereco-members-'));
  try {
    const passOn: string[] = [];
    for (const [name, value] of args.given) if (!OWN_OPTIONS.has(name)) passOn.push(`--${name}`, ...(typeof value === 'string' ? [value] : []));
    const dirs: string[] = [];
    const wave = async (count: number, minutes: number): Promise<void> => {
      const first = dirs.length;
      for (let k = first; k < first + count; k++) dirs.push(join(work, `member-${k}`));
      let next = first;
      const runMember = async (): Promise<void> => {
        for (let k = next++; k < first + count; k = next++) {
          await trainMember(k, [...passOn, '--members', '1', '--neighbours', '0', '--write-chosen', '--seed', String(seed + k), '--minutes', minutes.toFixed(2), '--out', dirs[k]!]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(parallel, count) }, runMember));
    };
    if (size.upTo === undefined) {
      const waves = Math.ceil(size.members / parallel);
      log(`ensemble of ${size.members} members, ${parallel} at a time, ${(budget / waves / 60_000).toFixed(1)} minutes each`);
      await wave(size.members, budget / waves / 60_000);
    } else {
      log(`ensemble of ${size.members} members side by side (--members auto), up to ${size.upTo} if their time allows`);
      await wave(size.members, budget / 60_000);
      const firstWave = Date.now() - started;
      for (;;) {
        const left = budget - (Date.now() - started);
        const more = Math.min(parallel, size.upTo - dirs.length);
        if (more <= 0) break;
        if (left < NEXT_WAVE_SHARE * firstWave) {
          log(`keeps ${dirs.length} members: the ${(left / 60_000).toFixed(1)} minutes left would not train more as the first took ${(firstWave / 60_000).toFixed(1)}`);
          break;
        }
        log(`${(left / 60_000).toFixed(1)} minutes left after ${dirs.length} members (the first took ${(firstWave / 60_000).toFixed(1)}): ${more} more`);
        await wave(more, left / 60_000);
      }
    }

    await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
    const format = args.choice<(typeof EVENT_FORMATS)[number]>('format');
    const plan = trainingPlan(args, data.items);
    const { attributeTable } = readAttributes(args, data.itemIds);
    const finals = await Promise.all(dirs.map((d) => readBundle(join(d, 'f32')))); // the exact float weights
    // The members' own prior and memory give way to the ensemble's.
    const own = (tensors: readonly NamedArray[]) => withoutCooccurrence(tensors.filter((t) => t.name !== 'itemPrior'));
    const trained = await Promise.all(
      finals.map(async (b, k) => {
        const chosenDir = join(dirs[k]!, 'chosen');
        const final = own(b.tensors);
        return {
          chosen: existsSync(join(chosenDir, 'manifest.json')) ? own((await readBundle(chosenDir)).tensors) : final,
          final,
          seed: b.manifest.training!.seed,
          epochs: b.manifest.training!.epochs,
        };
      }),
    );
    const continued = finals.some((b) => b.manifest.training!.validation === 'trained' && plan.choice !== null);
    await finishBundle({ args, data, plan, continued, config: finals[0]!.manifest.config, members: trained, attributeTable, priorWeight: undefined, format, out });
    log(`trained the ensemble in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
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
