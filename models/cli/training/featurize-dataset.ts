import type { SequenceDataset } from '../datasets/sequence-dataset.js';
import { eventFeatures, featurizeHistory, type HistoryEvent } from '../../../src/core/featurize.js';

/**
 * Runs a store's event export through {@link featurizeHistory}, the featurization the worker applies to a shopper's
 * log, so the model trains on exactly what it will see at inference (history event types only, immediate repeats
 * collapsed). Item indices keep the dataset's vocabulary. Datasets without event types are returned unchanged.
 */
export function featurizeDataset(dataset: SequenceDataset): SequenceDataset {
  const { types, times } = dataset;
  if (!types || !times) return dataset;
  const vocabulary = new Map(dataset.itemIds.map((id, i) => [id, i + 1]));
  const histories = dataset.items.map((seq, u) => {
    const events: HistoryEvent[] = seq.map((item, j) => ({
      itemId: dataset.itemIds[item - 1]!,
      type: types[u]![j]!,
      ts: times[u]![j]!,
    }));
    const last = events.length > 0 ? events[events.length - 1]!.ts : 0;
    return featurizeHistory(events, vocabulary, Number.MAX_SAFE_INTEGER, last);
  });
  return {
    userIds: dataset.userIds,
    itemIds: dataset.itemIds,
    items: histories.map((h) => h.items),
    features: { types: histories.map((h) => h.types), gaps: histories.map((h) => h.gaps) },
  };
}

/**
 * Adds the model's per-event features to a dataset whose sequences are used as they are (the published
 * preprocessings): types (`purchase` when the source has none) and the gap from each event to the next, from its
 * times. A dataset without times is returned unchanged.
 */
export function withEventFeatures(dataset: SequenceDataset): SequenceDataset {
  const { times, types } = dataset;
  if (!times) return dataset;
  const features = dataset.items.map((seq, u) =>
    eventFeatures(types?.[u] ?? seq.map(() => 'purchase' as const), times[u]!, times[u]![seq.length - 1] ?? 0),
  );
  return { ...dataset, features: { types: features.map((f) => f.types), gaps: features.map((f) => f.gaps) } };
}
