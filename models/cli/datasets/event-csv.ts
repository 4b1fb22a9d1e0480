import { EVENT_TYPES, type EventType } from '../../../src/core/events.js';
import { splitCsvLine } from '../../../src/core/csv-line.js';
import { nonEmptyLines, parseError } from './parse-error.js';
import { SequenceBuilder } from './sequence-builder.js';
import type { SequenceDataset } from './sequence-dataset.js';

const HEADER = ['user_id', 'item_id', 'timestamp', 'event_type'];

/** Parses a timestamp: epoch seconds (< 1e11), epoch milliseconds, or an ISO 8601 date. Returns ms or NaN. */
function parseTimestamp(value: string): number {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return n < 1e11 ? n * 1000 : n;
  }
  return Date.parse(trimmed);
}

/**
 * Parses a store's event export: `user_id,item_id,timestamp,event_type` (header optional). Events are sorted by time per
 * user (stable). `event_type` must be one of the SDK's {@link EVENT_TYPES} (`view`, `click`, `add_to_cart`, ...).
 */
export function parseEventCsv(text: string): SequenceDataset {
  const builder = new SequenceBuilder();
  const types = new Set<string>(EVENT_TYPES);
  let first = true;
  for (const [lineNumber, line] of nonEmptyLines(text)) {
    const fields = splitCsvLine(line).map((f) => f.trim());
    if (first) {
      first = false;
      if (fields.join(',').toLowerCase() === HEADER.join(',')) continue;
    }
    if (fields.length !== 4) throw parseError('csv', lineNumber, 'expected user_id,item_id,timestamp,event_type', line);
    const [user, item, timestamp, type] = fields as [string, string, string, string];
    if (user === '' || item === '') throw parseError('csv', lineNumber, 'user_id and item_id must be non-empty', line);
    const time = parseTimestamp(timestamp);
    if (!Number.isFinite(time)) throw parseError('csv', lineNumber, 'timestamp must be epoch seconds/ms or ISO 8601', timestamp);
    if (!types.has(type)) throw parseError('csv', lineNumber, `event_type must be one of ${EVENT_TYPES.join('|')}`, type);
    builder.add(user, item, time, type as EventType);
  }
  return builder.build();
}
