import { createError, ERROR_CODES, type EdgeRecoError } from './errors.js';
import { newEventId } from './event-id.js';
import type { TrackEnvelope } from './track-envelope.js';

/** The behaviour events edgereco records. */
export const EVENT_TYPES = [
  'view',
  'click',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
  'impression',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Custom, store-defined data on an event: a few flat values. */
export type EventProps = Record<string, string | number | boolean>;

/** Fields every stored event has. */
export interface EventBase {
  /** Client event id, assigned by the SDK: a UUIDv7, so ids sort by time. */
  eventId: string;
  /** Milliseconds since the epoch, assigned by the SDK unless given. */
  ts: number;
  /** Links the event to the recommendation or search that produced it (its `attributionId`). */
  attributionId?: string;
  props?: EventProps;
}

export interface ViewEvent extends EventBase { type: 'view'; itemId: string }
export interface ClickEvent extends EventBase {
  type: 'click';
  itemId: string;
  /** Zero-based position of the item in the list it was clicked in. */
  position: number;
  /** The list the item was shown in, e.g. `"home-recs"` or `"search"`. */
  listId: string;
}
export interface AddToCartEvent extends EventBase { type: 'add_to_cart'; itemId: string; quantity: number }
export interface RemoveFromCartEvent extends EventBase { type: 'remove_from_cart'; itemId: string; quantity: number }
export interface PurchaseLine {
  itemId: string;
  quantity: number;
  /** Unit price, in `currency`. */
  price: number;
  /** ISO 4217 code, e.g. `"GBP"`. */
  currency: string;
}
export interface PurchaseEvent extends EventBase { type: 'purchase'; orderId?: string; lines: PurchaseLine[] }
export interface SearchEvent extends EventBase { type: 'search'; query: string; resultCount: number }
export interface ImpressionEvent extends EventBase { type: 'impression'; itemIds: string[]; listId: string }

/** A validated, stored behaviour event. */
export type BehaviourEvent =
  | ViewEvent
  | ClickEvent
  | AddToCartEvent
  | RemoveFromCartEvent
  | PurchaseEvent
  | SearchEvent
  | ImpressionEvent;

type Input<E> = E extends EventBase
  ? Omit<E, 'eventId' | 'ts' | 'quantity'> & { ts?: number } & ('quantity' extends keyof E ? { quantity?: number } : unknown)
  : never;

/** What `track()` accepts: an event without `eventId`; `ts` and cart `quantity` (default 1) are optional. */
export type TrackInput = Input<BehaviourEvent>;

export const EVENT_LIMITS = {
  maxIdLength: 256,
  maxQueryLength: 512,
  maxListIdLength: 128,
  maxImpressionItems: 200,
  maxPurchaseLines: 500,
  maxQuantity: 10_000,
  maxProps: 20,
  maxPropStringLength: 256,
  /** Earliest accepted `ts`: 2000-01-01. */
  minTs: 946_684_800_000,
  /** How far in the future a given `ts` may be (clock skew). */
  maxFutureMs: 86_400_000,
} as const;

/** How each field is checked; a trailing `?` marks it optional. */
type FieldKind = 'id' | 'id?' | 'list' | 'query' | 'position' | 'quantity?' | 'count' | 'lines' | 'itemIds';
const SCHEMAS: Record<EventType, Record<string, FieldKind>> = {
  view: { itemId: 'id' },
  click: { itemId: 'id', position: 'position', listId: 'list' },
  add_to_cart: { itemId: 'id', quantity: 'quantity?' },
  remove_from_cart: { itemId: 'id', quantity: 'quantity?' },
  purchase: { orderId: 'id?', lines: 'lines' },
  search: { query: 'query', resultCount: 'count' },
  impression: { itemIds: 'itemIds', listId: 'list' },
};
const LINE_FIELDS = ['itemId', 'quantity', 'price', 'currency'];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const L = EVENT_LIMITS;

function invalid(field: string, requirement: string, value: unknown, extra = ''): EdgeRecoError {
  return createError(ERROR_CODES.INVALID_EVENT, { field, requirement, got: value, hint: extra });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'must be a non-empty string', value);
  if (value.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters`, value);
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}`, value);
  }
  return value;
}

function checkKeys(input: object, allowed: readonly string[], field: string, what: string): void {
  for (const key of Object.keys(input)) {
    if (FORBIDDEN_KEYS.has(key) || !allowed.includes(key)) {
      throw invalid(`${field}.${key}`, `is not a field of ${what}`, (input as Record<string, unknown>)[key], `; known fields: ${allowed.join(', ')}`);
    }
  }
}

function list(value: unknown, field: string, max: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) throw invalid(field, `must be an array of 1 to ${max} ${what}`, value);
  return value;
}

function line(value: unknown, i: number): PurchaseLine {
  const field = `event.lines[${i}]`;
  if (!isObject(value)) throw invalid(field, 'must be an object { itemId, quantity, price, currency }', value);
  checkKeys(value, LINE_FIELDS, field, 'a purchase line');
  const { price, currency } = value;
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > 1e9) throw invalid(`${field}.price`, 'must be a number from 0 to 1e9 (the unit price)', price);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw invalid(`${field}.currency`, 'must be an ISO 4217 code such as "GBP"', currency);
  return { itemId: str(value.itemId, `${field}.itemId`, L.maxIdLength), quantity: int(value.quantity, `${field}.quantity`, 1, L.maxQuantity), price, currency };
}

function check(kind: FieldKind, value: unknown, field: string): unknown {
  switch (kind) {
    case 'id':
    case 'id?':
      return str(value, field, L.maxIdLength);
    case 'list':
      return str(value, field, L.maxListIdLength);
    case 'query':
      return str(value, field, L.maxQueryLength);
    case 'position':
      return int(value, field, 0, 100_000);
    case 'quantity?':
      return int(value, field, 1, L.maxQuantity);
    case 'count':
      return int(value, field, 0, 1e9);
    case 'lines':
      return list(value, field, L.maxPurchaseLines, 'purchase lines').map(line);
    case 'itemIds':
      return list(value, field, L.maxImpressionItems, 'item ids').map((id, i) => str(id, `${field}[${i}]`, L.maxIdLength));
  }
}

function props(value: unknown): EventProps {
  if (!isObject(value)) throw invalid('event.props', 'must be an object of strings, numbers and booleans', value);
  const keys = Object.keys(value);
  if (keys.length > L.maxProps) throw invalid('event.props', `must have at most ${L.maxProps} keys`, value);
  const out: EventProps = {};
  for (const key of keys) {
    const field = `event.props.${key}`;
    const v = value[key];
    if (FORBIDDEN_KEYS.has(key)) throw invalid(field, 'is a reserved name', key);
    if (typeof v === 'string') out[key] = str(v, field, L.maxPropStringLength);
    else if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[key] = v;
    else throw invalid(field, 'must be a string, a finite number or a boolean', v);
  }
  return out;
}

/**
 * Validates what a page passed to `track()` and returns the event to store. `stamp` carries the `eventId` and `ts` the
 * page gave the event when it was tracked (see `stampEvent`); without it both are assigned now.
 * Throws an {@link EdgeRecoError} with code `INVALID_EVENT` naming the field to fix. The input is not modified.
 */
export function validateEvent(input: unknown, stamp?: TrackEnvelope, now: number = Date.now()): BehaviourEvent {
  if (!isObject(input)) throw invalid('event', 'must be an object such as { type: "view", itemId: "sku-1" }', input);
  const type = input.type as EventType;
  if (typeof type !== 'string' || !Object.hasOwn(SCHEMAS, type)) throw invalid('event.type', `must be one of ${EVENT_TYPES.join(', ')}`, type);
  const schema = SCHEMAS[type];
  checkKeys(input, ['type', 'ts', 'attributionId', 'props', ...Object.keys(schema)], 'event', `a ${type} event`);
  if (input.ts !== undefined && (typeof input.ts !== 'number' || !Number.isFinite(input.ts) || input.ts < L.minTs || input.ts > now + L.maxFutureMs)) {
    throw invalid('event.ts', 'must be milliseconds since the epoch, after 2000 and not in the future', input.ts);
  }
  const ts = stamp?.ts ?? (input.ts === undefined ? now : Math.floor(input.ts as number));
  const event: Record<string, unknown> = { eventId: '', ts, type };
  if (input.attributionId !== undefined) event.attributionId = str(input.attributionId, 'event.attributionId', L.maxListIdLength);
  if (input.props !== undefined) event.props = props(input.props);
  for (const field in schema) {
    const kind = schema[field]!;
    const value = input[field];
    if (value === undefined && kind.endsWith('?')) {
      if (kind === 'quantity?') event[field] = 1;
    } else {
      event[field] = check(kind, value, `event.${field}`);
    }
  }
  event.eventId = stamp?.eventId ?? newEventId(ts);
  return event as unknown as BehaviourEvent;
}

/** The item ids an event is about, in order (a purchase's lines, an impression's items). */
export function eventItemIds(event: BehaviourEvent): string[] {
  switch (event.type) {
    case 'purchase':
      return event.lines.map((l) => l.itemId);
    case 'impression':
      return event.itemIds;
    case 'search':
      return [];
    default:
      return [event.itemId];
  }
}
