import { newEventId } from './event-id.js';

/**
 * The attribution id of an edgereco list (`recommend()`, `related()`, `frequentlyBoughtTogether()`, `rerank()`):
 * `er-` and a UUIDv7, whose first 48 bits are the time the list was made. An event the page tracks with it (an
 * `impression`, a `click`, an `add_to_cart`, a `purchase`) is thereby tied to an edgereco list and to its time, which
 * is what experiment outcomes are measured from (src/sync/period-outcome.ts), on the device, without a table of the
 * ids issued. Search results keep a plain UUID: experiments are about the lists.
 */
const PREFIX = 'er-';
const SHAPE = /^er-([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function newListAttributionId(nowMs: number): string {
  return PREFIX + newEventId(nowMs);
}

/** When the list of an attribution id was made (ms), or null when the id is not an edgereco list's. */
export function listAttributionTime(id: string | undefined): number | null {
  if (id === undefined || !id.startsWith(PREFIX)) return null;
  const m = SHAPE.exec(id);
  return m ? parseInt(m[1]! + m[2]!, 16) : null;
}
