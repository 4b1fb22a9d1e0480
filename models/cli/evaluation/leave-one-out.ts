/**
 * The leave-one-out split (SASRec / S3-Rec): per user, the last item is the test item, the one before it the
 * validation item, and the rest is training. Users with fewer than 3 items go entirely to training and are not evaluated.
 */
export interface LeaveOneOutSplit {
  /** Training items per user (all items of users too short to evaluate). */
  readonly train: readonly (readonly number[])[];
  /** Validation item per user, 0 when the user is not evaluated. */
  readonly validation: readonly number[];
  /** Test item per user, 0 when the user is not evaluated. */
  readonly test: readonly number[];
}

export function leaveOneOut(sequences: readonly (readonly number[])[]): LeaveOneOutSplit {
  const train: (readonly number[])[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const seq of sequences) {
    if (seq.length < 3) {
      train.push(seq.slice());
      validation.push(0);
      test.push(0);
    } else {
      train.push(seq.slice(0, -2));
      validation.push(seq[seq.length - 2]!);
      test.push(seq[seq.length - 1]!);
    }
  }
  return { train, validation, test };
}

/** Which held-out item an evaluation ranks: `validation` (history = train) or `test` (history = train + validation). */
export type EvaluationTarget = 'validation' | 'test';

/** The history and target item of user `u` for the given target (target 0: not evaluated). */
export function historyAndTarget(
  split: LeaveOneOutSplit,
  u: number,
  target: EvaluationTarget,
): { history: readonly number[]; item: number } {
  const train = split.train[u]!;
  if (target === 'validation') return { history: train, item: split.validation[u]! };
  const v = split.validation[u]!;
  return { history: v === 0 ? train : [...train, v], item: split.test[u]! };
}
