import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgeRecoError, EVENT_TYPES, validateEvent, type BehaviourEvent } from '../../src/core/index.js';
import { stampEvent } from '../../src/core/track-envelope.js';

const NOW = Date.UTC(2026, 10, 27, 12);

function codeOf(fn: () => unknown): { code: string; message: string; field: unknown } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeRecoError);
    const e = error as EdgeRecoError;
    return { code: e.code, message: e.message, field: e.details.field };
  }
  throw new Error('expected a validation error');
}

const VALID: Record<string, unknown>[] = [
  { type: 'view', itemId: 'sku-1' },
  { type: 'click', itemId: 'sku-1', position: 3, listId: 'home-recs', attributionId: 'rec-9' },
  { type: 'add_to_cart', itemId: 'sku-1', quantity: 2 },
  { type: 'add_to_cart', itemId: 'sku-1' },
  { type: 'remove_from_cart', itemId: 'sku-1', quantity: 1 },
  { type: 'purchase', orderId: 'o-1', lines: [{ itemId: 'sku-1', quantity: 2, price: 3.5, currency: 'GBP' }] },
  { type: 'search', query: 'wireless mouse', resultCount: 12 },
  { type: 'impression', itemIds: ['a', 'b', 'c'], listId: 'home-recs' },
];

describe('validateEvent', () => {
  it('accepts every event type and stamps an id and a time', () => {
    const types = new Set<string>();
    for (const input of VALID) {
      const event = validateEvent(input, undefined, NOW);
      types.add(event.type);
      expect(event.ts).toBe(NOW);
      expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      for (const [key, value] of Object.entries(input)) expect((event as unknown as Record<string, unknown>)[key]).toEqual(value);
    }
    expect([...types].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('defaults a cart quantity to 1 and keeps props', () => {
    const event = validateEvent({ type: 'add_to_cart', itemId: 'x', props: { colour: 'red', size: 4, gift: true } }, undefined, NOW);
    expect(event).toMatchObject({ quantity: 1, props: { colour: 'red', size: 4, gift: true } });
  });

  it('keeps the id and time the page stamped, so a re-sent event is the same event', () => {
    const envelope = stampEvent({ type: 'view', itemId: 'x' }, NOW - 5);
    const a = validateEvent(envelope.input, envelope, NOW);
    const b = validateEvent(envelope.input, envelope, NOW + 1000);
    expect(a).toEqual(b);
    expect(a.ts).toBe(NOW - 5);
  });

  it.each([
    [{ type: 'view', itemId: 42 }, 'event.itemId', 'edgereco: event.itemId must be a non-empty string (got 42)'],
    [{ type: 'view', itemId: '' }, 'event.itemId', 'must be a non-empty string (got "")'],
    [{ type: 'view' }, 'event.itemId', 'must be a non-empty string (got undefined)'],
    [{ type: 'like', itemId: 'x' }, 'event.type', 'must be one of view, click, add_to_cart'],
    [{ itemId: 'x' }, 'event.type', 'must be one of'],
    [{ type: 'view', itemID: 'x' }, 'event.itemID', 'is not a field of a view event'],
    [{ type: 'click', itemId: 'x', position: -1, listId: 'l' }, 'event.position', 'must be an integer from 0'],
    [{ type: 'click', itemId: 'x', position: 1.5, listId: 'l' }, 'event.position', 'must be an integer'],
    [{ type: 'click', itemId: 'x', position: 1 }, 'event.listId', 'must be a non-empty string'],
    [{ type: 'add_to_cart', itemId: 'x', quantity: 0 }, 'event.quantity', 'must be an integer from 1 to 10000'],
    [{ type: 'purchase', lines: [] }, 'event.lines', 'must be an array of 1 to 500 purchase lines'],
    [{ type: 'purchase', lines: [{ itemId: 'x', quantity: 1, price: -1, currency: 'GBP' }] }, 'event.lines[0].price', 'must be a number from 0'],
    [{ type: 'purchase', lines: [{ itemId: 'x', quantity: 1, price: 1, currency: 'pounds' }] }, 'event.lines[0].currency', 'ISO 4217'],
    [{ type: 'purchase', lines: [{ itemId: 'x', quantity: 1, price: Infinity, currency: 'GBP' }] }, 'event.lines[0].price', 'got Infinity'],
    [{ type: 'purchase', lines: [{ itemId: 'x', quantity: 1, price: 1, currency: 'GBP', discount: 1 }] }, 'event.lines[0].discount', 'is not a field of a purchase line'],
    [{ type: 'search', query: 'x' }, 'event.resultCount', 'must be an integer from 0'],
    [{ type: 'search', query: 'x'.repeat(513), resultCount: 1 }, 'event.query', 'at most 512 characters'],
    [{ type: 'impression', itemIds: ['a', 7], listId: 'l' }, 'event.itemIds[1]', 'must be a non-empty string (got 7)'],
    [{ type: 'impression', itemIds: Array(201).fill('a'), listId: 'l' }, 'event.itemIds', 'must be an array of 1 to 200'],
    [{ type: 'view', itemId: 'x', ts: 'yesterday' }, 'event.ts', 'milliseconds since the epoch'],
    [{ type: 'view', itemId: 'x', ts: NOW + 3 * 86_400_000 }, 'event.ts', 'not in the future'],
    [{ type: 'view', itemId: 'x', props: { a: { nested: 1 } } }, 'event.props.a', 'must be a string, a finite number or a boolean'],
    [{ type: 'view', itemId: 'x', props: JSON.parse('{"__proto__": {"polluted": 1}}') }, 'event.props.__proto__', 'reserved'],
    [JSON.parse('{"type":"view","itemId":"x","__proto__":{"polluted":1}}'), 'event.__proto__', 'is not a field'],
    [null, 'event', 'must be an object'],
    ['view', 'event', 'must be an object'],
  ])('rejects %j with INVALID_EVENT naming %s', (input, field, message) => {
    const error = codeOf(() => validateEvent(input, undefined, NOW));
    expect(error.code).toBe('INVALID_EVENT');
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
    expect(error.message.startsWith('edgereco: ')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws anything but INVALID_EVENT, whatever it is given (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        try {
          validateEvent(input, undefined, NOW);
        } catch (error) {
          return error instanceof EdgeRecoError && error.code === 'INVALID_EVENT';
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('orders ids by time and, within a millisecond, by creation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 2, maxLength: 50 }), (offsets) => {
        const sortedTimes = [...offsets].sort((a, b) => a - b).map((o) => NOW + o);
        const events: BehaviourEvent[] = sortedTimes.map((ts) => validateEvent({ type: 'view', itemId: 'x', ts }, undefined, NOW + 10_000));
        const byId = [...events].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
        return byId.every((e, i) => e === events[i]);
      }),
    );
  });
});
