import { newEventId } from './event-id.js';

/**
 * An event as the page hands it over: the shopper's input untouched, with the id and time it was tracked at. The page
 * only stamps (cheap, and it makes a re-sent event idempotent); the worker validates (see `validateEvent`).
 */
export interface TrackEnvelope {
  eventId: string;
  ts: number;
  input: unknown;
}

export function stampEvent(input: unknown, now: number = Date.now()): TrackEnvelope {
  const given = (input as { ts?: unknown } | null)?.ts;
  const ts = typeof given === 'number' && Number.isFinite(given) ? Math.floor(given) : now;
  return { eventId: newEventId(ts), ts, input };
}
