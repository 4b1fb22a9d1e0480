import { EVENT_TYPES, type EventType } from './events.js';

/** One past event of the shopper, as the model reads it. */
export interface HistoryEvent {
  itemId: string;
  type: EventType;
  /** Milliseconds since the epoch. */
  ts: number;
}

/** Per-event features of a history, parallel to its items: what the model reads besides the item. */
export interface EventFeatures {
  /** Index into {@link EVENT_TYPES} per item. */
  types: number[];
  /**
   * Time bucket (see {@link recencyBucket}) of the wait from each event to the shopper's next one; for the latest event,
   * the wait until `now` (the moment the model is asked). In training the latest input's "now" is the time of the
   * event being predicted, so both sides read the same quantity.
   */
  gaps: number[];
}

/** The model's input for one shopper: the last `maxLength` known items, oldest first, with parallel features. */
export interface HistoryFeatures extends EventFeatures {
  /** Item indices (1-based into the bundle vocabulary). Unknown items are skipped. */
  items: number[];
}

/** Event types that say something about an item (impressions, searches and removals do not enter the history). */
export const HISTORY_EVENT_TYPES: readonly EventType[] = ['view', 'click', 'add_to_cart', 'purchase'];

/** Number of recency buckets. */
export const RECENCY_BUCKETS = 12;

/**
 * Log-scale time bucket: 0 = under a minute, then doubling from one minute (1–2 min = 1, 2–4 min = 2, ...), capped at
 * `RECENCY_BUCKETS - 1` (about 17 days and older). A future timestamp counts as now.
 */
export function recencyBucket(ageMs: number): number {
  const minutes = Math.max(0, ageMs) / 60_000;
  if (minutes < 1) return 0;
  return Math.min(RECENCY_BUCKETS - 1, 1 + Math.floor(Math.log2(minutes)));
}

/**
 * The one featurization of a shopper's history, used by training (Node) and by inference (worker): keep history-type
 * events whose item is in the vocabulary, in time order (stable), collapse an immediate repeat of the same item (a
 * reload) into its latest event, and keep the last `maxLength`.
 */
export function featurizeHistory(
  events: readonly HistoryEvent[],
  vocabulary: ReadonlyMap<string, number>,
  maxLength: number,
  now: number,
): HistoryFeatures {
  const ordered = events
    .map((e, i) => [e, i] as const)
    .filter(([e]) => HISTORY_EVENT_TYPES.includes(e.type) && vocabulary.has(e.itemId))
    .sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1])
    .map(([e]) => e);
  const items: number[] = [];
  const types: EventType[] = [];
  const times: number[] = [];
  for (const e of ordered) {
    const item = vocabulary.get(e.itemId)!;
    const last = items.length - 1;
    if (last >= 0 && items[last] === item) {
      types[last] = e.type;
      times[last] = e.ts;
      continue;
    }
    items.push(item);
    types.push(e.type);
    times.push(e.ts);
  }
  const drop = Math.max(0, items.length - maxLength);
  return { items: items.slice(drop), ...eventFeatures(types.slice(drop), times.slice(drop), now) };
}

/** The event features of events in time order (see {@link EventFeatures}); `now` closes the latest one's gap. */
export function eventFeatures(types: readonly EventType[], times: readonly number[], now: number): EventFeatures {
  return {
    types: types.map((t) => EVENT_TYPES.indexOf(t)),
    gaps: times.map((t, i) => recencyBucket((i + 1 < times.length ? times[i + 1]! : now) - t)),
  };
}
