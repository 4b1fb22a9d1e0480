import { describe, expect, expectTypeOf, it } from 'vitest';
import { deserializeError, EdgeRecoError, resolveOptions, serializeError, validateCatalog } from '../../src/core/index.js';
import type { Recommender, RecommenderOptions, Recommendation, TrackInput } from '../../src/index.js';

describe('options', () => {
  it('fills in documented defaults', () => {
    expect(resolveOptions()).toEqual({ storeId: 'default', storage: 'indexeddb', backend: 'auto', maxEvents: 5000, maxAgeDays: 90, batchSize: 500, timeoutMs: 10000, rules: {} });
  });

  it.each([
    [{ maxEvents: 0 }, 'options.maxEvents must be an integer from 1'],
    [{ storeId: 'my shop!' }, 'options.storeId must be 1 to 64 letters'],
    [{ storage: 'localStorage' }, 'options.storage must be "indexeddb" or "memory"'],
    [{ maxEvent: 10 }, 'options.maxEvent is not an option'],
  ])('rejects %j with INVALID_OPTION', (options, message) => {
    expect(() => resolveOptions(options as RecommenderOptions)).toThrowError(message);
    try {
      resolveOptions(options as RecommenderOptions);
    } catch (error) {
      expect((error as EdgeRecoError).code).toBe('INVALID_OPTION');
    }
  });
});

describe('catalog validation', () => {
  it('names the offending row', () => {
    expect(() => validateCatalog([{ id: 'a' }, { id: 'b', price: -3 }])).toThrowError('catalog[1].price must be a number ≥ 0 (got -3)');
    expect(() => validateCatalog([{ id: 'a' }, { id: 'a' }])).toThrowError('catalog[1].id must be unique');
    expect(validateCatalog([{ id: 'a', title: 'A', available: false }])).toEqual([{ id: 'a', title: 'A', available: false }]);
  });
});

describe('errors across the worker boundary', () => {
  it('keep code, details and retry data through serialize/deserialize', () => {
    const original = new EdgeRecoError('QUOTA_EXCEEDED', 'edgereco: full', { retryable: true, retryAfterMs: 50, details: { field: 'x' }, cause: new Error('disk') });
    const copy = deserializeError(structuredClone(serializeError(original)));
    expect(copy).toBeInstanceOf(EdgeRecoError);
    expect(copy).toMatchObject({ code: 'QUOTA_EXCEEDED', message: 'edgereco: full', retryable: true, retryAfterMs: 50, details: { field: 'x' } });
    expect(serializeError(new TypeError('boom'))).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('TypeError: boom') });
  });
});

describe('public types', () => {
  it('are what a store engineer codes against', () => {
    expectTypeOf<Recommender['track']>().parameter(0).toEqualTypeOf<TrackInput>();
    expectTypeOf<Recommender['recommend']>().returns.resolves.toEqualTypeOf<Recommendation[]>();
    expectTypeOf<Recommender['track']>().returns.resolves.toEqualTypeOf<string | null>();
    expectTypeOf<{ type: 'view'; itemId: string }>().toMatchTypeOf<TrackInput>();
    expectTypeOf<{ type: 'view'; itemId: number }>().not.toMatchTypeOf<TrackInput>();
    expectTypeOf<{ type: 'click'; itemId: string }>().not.toMatchTypeOf<TrackInput>(); // a click needs position and listId
  });
});
