import type { EventType } from '../../../src/core/events.js';

/**
 * Per-user item sequences with an item vocabulary: what every dataset parser returns.
 *
 * Item index 0 is reserved for padding, so item index `i` (1-based) is `itemIds[i - 1]`.
 * `items[u]` are user `userIds[u]`'s item indices in time order (oldest first).
 */
export interface SequenceDataset {
  readonly userIds: readonly string[];
  /** The item vocabulary: the source's item ids, in order of first appearance. */
  readonly itemIds: readonly string[];
  readonly items: readonly (readonly number[])[];
  /** Milliseconds since the epoch per event, when the source has timestamps (same shape as `items`). */
  readonly times?: readonly (readonly number[])[];
  /** Event type per event, when the source has them (same shape as `items`). */
  readonly types?: readonly (readonly EventType[])[];
  /** The model's per-event features (see `EventFeatures` in core/featurize), when the source has times. */
  readonly features?: SequenceFeatures;
}

/** Per-event model features, parallel to `SequenceDataset.items` (a prefix of a sequence has the prefix's features). */
export interface SequenceFeatures {
  readonly types: readonly (readonly number[])[];
  readonly gaps: readonly (readonly number[])[];
}

/** Number of interactions in a dataset. */
export function countInteractions(dataset: SequenceDataset): number {
  let n = 0;
  for (const seq of dataset.items) n += seq.length;
  return n;
}
