import type { SequenceDataset } from './datasets/sequence-dataset.js';
import { featurizeHistory, type HistoryEvent } from './featurize.js';

/**
 * Runs a store's event export through {@link featurizeHistory}, the featurization the worker applies to a shopper's
 * log, so the model trains on exactly what it will see at inference (history event types only, immediate repeats
 * collapsed). Item indices keep the dataset's vocabulary. Datasets without event types are returned unchanged.
 */
export function featurizeDataset(dataset: SequenceDataset): SequenceDataset {
  const { types, times } = dataset;
  if (!types || !times) return dataset;
  const vocabulary = new Map(dataset.itemIds.map((id, i) => [id, i + 1]));
  const items = dataset.items.map((seq, u) => {
    const events: HistoryEvent[] = seq.map((item, j) => ({
      itemId: dataset.itemIds[item - 1]!,
      type: types[u]![j]!,
      ts: times[u]![j]!,
    }));
    const last = events.length > 0 ? events[events.length - 1]!.ts : 0;
    return featurizeHistory(events, vocabulary, Number.MAX_SAFE_INTEGER, last).items;
  });
  return { userIds: dataset.userIds, itemIds: dataset.itemIds, items };
}
