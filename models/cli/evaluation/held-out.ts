import type { TrainingRecord } from '../../../src/model/model-bundle.js';
import { leaveOneOut, type LeaveOneOutSplit } from './leave-one-out.js';

/**
 * The validation hold-out of data with no test split (a store's own export, `--split none`): the last item of each
 * sequence of at least two items is the validation item, the rest is training; no test items.
 */
export function holdOutLast(sequences: readonly (readonly number[])[]): LeaveOneOutSplit {
  const train: (readonly number[])[] = [];
  const validation: number[] = [];
  for (const seq of sequences) {
    const held = seq.length >= 2;
    train.push(held ? seq.slice(0, -1) : seq.slice());
    validation.push(held ? seq[seq.length - 1]! : 0);
  }
  return { train, validation, test: validation.map(() => 0) };
}

/** Each user's training items followed by the validation item (everything but the test item). */
export function withValidation(split: LeaveOneOutSplit): number[][] {
  return split.train.map((seq, u) => (split.validation[u]! > 0 ? [...seq, split.validation[u]!] : seq.slice()));
}

/** Whether a bundle learned from its validation items (`trained`: after the choices were made on them). */
export function validationUse(record: TrainingRecord): 'held-out' | 'trained' {
  return record.validation ?? (record.split === 'leave-one-out' ? 'held-out' : 'trained');
}

/** The sequences a bundle was trained on, by its training record: what its memory and prior count, and its hash. */
export function trainedSequences(record: TrainingRecord, sequences: readonly (readonly number[])[]): readonly (readonly number[])[] {
  const trained = validationUse(record) === 'trained';
  if (record.split === 'leave-one-out') {
    const split = leaveOneOut(sequences);
    return trained ? withValidation(split) : split.train;
  }
  return trained ? sequences : holdOutLast(sequences).train;
}

/** The split a bundle's choices can be made on (its validation items), or null when it learned from them. */
export function choiceSplit(record: TrainingRecord, sequences: readonly (readonly number[])[]): LeaveOneOutSplit | null {
  if (validationUse(record) === 'trained') return null;
  return record.split === 'leave-one-out' ? leaveOneOut(sequences) : holdOutLast(sequences);
}
