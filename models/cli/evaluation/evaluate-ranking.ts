import { EdgeRecoError, ERROR_CODES } from '../../../src/core/errors.js';
import { historyAndTarget, type EvaluationTarget, type LeaveOneOutSplit } from './leave-one-out.js';
import { sampleNegatives } from './negative-sampler.js';
import { rankAmong, rankFull, RankingAccumulator, type RankingMetrics } from './ranking-metrics.js';

/**
 * Scores the whole catalog for a batch of histories: one array per history, of length `numItems + 1`
 * (index 0 = padding, ignored). The model, its f32 twin and the baselines all implement this. `users` are the
 * histories' user indices (each history is a prefix of that user's sequence), for a scorer that reads per-event
 * features of the dataset.
 */
export type CatalogScorer = (
  histories: readonly (readonly number[])[],
  users?: readonly number[],
) => readonly ArrayLike<number>[] | Promise<readonly ArrayLike<number>[]>;

export type Protocol = 'sampled' | 'full';

export interface EvaluateOptions {
  target: EvaluationTarget;
  protocol: Protocol;
  numItems: number;
  /** For `sampled`: negatives per user. Default 99. */
  negatives?: number;
  /** Seed of the negative sampling. Default 42. */
  seed?: number;
  /** Histories scored per scorer call. Default 256. */
  batchSize?: number;
  /** The full user list of the original sequences, to know which items each user ever interacted with. */
  sequences: readonly (readonly number[])[];
}

/**
 * Ranks each evaluated user's held-out item. `sampled`: among `negatives` items drawn uniformly (seeded) from items the
 * user never interacted with. `full`: among the whole catalog except the user's earlier items (the history); the target
 * itself always stays a candidate.
 */
export async function evaluateRanking(
  split: LeaveOneOutSplit,
  scorer: CatalogScorer,
  options: EvaluateOptions,
): Promise<RankingMetrics & { users: number }> {
  const results = await evaluateProtocols(split, scorer, options, [options.protocol]);
  return results[options.protocol]!;
}

/**
 * {@link evaluateRanking} for several protocols from one scoring pass (the scorer runs once per user). Users are scored
 * in order of history length, so a batch is padded only to its own longest history.
 */
export async function evaluateProtocols(
  split: LeaveOneOutSplit,
  scorer: CatalogScorer,
  options: Omit<EvaluateOptions, 'protocol'>,
  protocols: readonly Protocol[],
): Promise<Partial<Record<Protocol, RankingMetrics & { users: number }>>> {
  const results = await rankScores(split, scorer, options, protocols, [(row) => row]);
  const out: Partial<Record<Protocol, RankingMetrics & { users: number }>> = {};
  protocols.forEach((p, i) => (out[p] = results[i]![0]!));
  return out;
}

/** A change to a history's catalog scores (in place or a new array), one of the variants {@link evaluateVariants} ranks. */
export type ScoreVariant = (row: Float32Array, history: readonly number[]) => ArrayLike<number>;

/**
 * {@link evaluateRanking} of several variants of one scorer's scores (say, a model plus an extra term at several
 * weights) from one scoring pass: each variant gets its own copy of each row. Results in the order of `variants`.
 */
export async function evaluateVariants(
  split: LeaveOneOutSplit,
  scorer: CatalogScorer,
  options: EvaluateOptions,
  variants: readonly ScoreVariant[],
): Promise<(RankingMetrics & { users: number })[]> {
  return (await rankScores(split, scorer, options, [options.protocol], variants))[0]!;
}

/** The shared loop: results[protocol][variant]. */
async function rankScores(
  split: LeaveOneOutSplit,
  scorer: CatalogScorer,
  options: Omit<EvaluateOptions, 'protocol'>,
  protocols: readonly Protocol[],
  variants: readonly ScoreVariant[],
): Promise<(RankingMetrics & { users: number })[][]> {
  const { target, numItems } = options;
  const negatives = options.negatives ?? 99;
  const seed = options.seed ?? 42;
  const batchSize = options.batchSize ?? 256;
  if (!(negatives >= 1) || !Number.isInteger(negatives)) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: negatives must be a positive integer (got ${negatives})`);
  }
  const users: number[] = [];
  for (let u = 0; u < split.train.length; u++) if (historyAndTarget(split, u, target).item !== 0) users.push(u);
  users.sort((a, b) => split.train[a]!.length - split.train[b]!.length || a - b);
  const accs = protocols.map(() => variants.map(() => new RankingAccumulator()));
  for (let start = 0; start < users.length; start += batchSize) {
    const batch = users.slice(start, start + batchSize);
    const cases = batch.map((u) => historyAndTarget(split, u, target));
    const scores = await scorer(cases.map((c) => c.history), batch);
    batch.forEach((u, i) => {
      const { history, item } = cases[i]!;
      const base = scores[i]!;
      // What each protocol ranks against, once per user whatever the number of variants.
      const against = protocols.map((protocol) =>
        protocol === 'full' ? new Set(history) : sampleNegatives(numItems, new Set(options.sequences[u]!), negatives, seed, u),
      );
      variants.forEach((variant, v) => {
        const row = variants.length === 1 ? variant(base as Float32Array, history) : variant(Float32Array.from(base), history);
        protocols.forEach((protocol, p) => {
          const a = against[p]!;
          accs[p]![v]!.add(a instanceof Set ? rankFull(row, item, a) : rankAmong(row, item, a));
        });
      });
    });
  }
  return accs.map((row) => row.map((acc) => ({ users: acc.count, ...acc.result() })));
}
