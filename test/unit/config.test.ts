import { describe, expect, expectTypeOf, it } from 'vitest';
import { deserializeError, EdgeRecoError, resolveOptions, serializeError, validateCatalog } from '../../src/core/index.js';
import { catalogProblems, checkCatalog } from '../../src/core/catalog.js';
import { createError } from '../../src/core/errors.js';
import type { Recommender, RecommenderOptions, Recommendation, TrackInput } from '../../src/index.js';

describe('options', () => {
  it('fills in documented defaults', () => {
    expect(resolveOptions()).toEqual({ storeId: 'default', storage: 'indexeddb', backend: 'auto', maxEvents: 5000, maxAgeDays: 90, batchSize: 500, timeoutMs: 10000, rules: {}, debug: false });
  });

  it.each([
    [{ maxEvents: 0 }, 'options.maxEvents must be an integer from 1'],
    [{ storeId: 'my shop!' }, 'options.storeId must be 1 to 64 letters'],
    [{ storage: 'localStorage' }, 'options.storage must be "indexeddb" or "memory"'],
    [{ maxEvent: 10 }, 'options.maxEvent is not an option'],
    [{ debug: 'yes' }, 'options.debug must be true or false'],
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

  it('checks row by row: bad rows are left out and summed up in one INVALID_DATA warning', () => {
    const rows = [{ id: 'a', price: 3 }, { id: 'b', price: '19.99' }, { id: 'c' }, 'nope', { id: 'c', title: 'again' }];
    const checked = checkCatalog(rows);
    expect(checked.items.map((i) => i.id)).toEqual(['a', 'c']);
    expect(checked.skipped.map((e) => e.details.row)).toEqual([1, 3, 4]);
    const warning = catalogProblems(checked, 'options.catalog')!;
    expect(warning.code).toBe('INVALID_DATA');
    expect(warning.message).toBe(
      'edgereco: options.catalog has 3 invalid rows of 5, left out: catalog[1].price must be a number ≥ 0 (got "19.99"), in item "b"; ' +
        'catalog[3].id must be an object with an id (got "nope"); catalog[4].id must be unique (an earlier row has it) (got "c"); the 2 valid rows are indexed; fix the rows listed',
    );
    expect(warning.details).toMatchObject({ skipped: 3, total: 5 });
    expect(catalogProblems(checkCatalog([{ id: 'x', price: 'a' }]), 'options.catalog')!.message).toMatch(/and no valid one: .*; nothing is indexed; fix the catalog$/);
    expect(catalogProblems(checkCatalog([{ id: 'x' }]), 'options.catalog')).toBeNull();
  });

  it('createError writes the message from the code\'s template and copies the facts into details', () => {
    const e = createError('FETCH_FAILED', { what: 'the model bundle', url: 'https://shop.example/m/manifest.json', status: 404, statusText: 'Not Found', received: 'an empty body', option: 'modelUrl' });
    expect(e).toBeInstanceOf(EdgeRecoError);
    expect(e.message).toBe('edgereco: could not load the model bundle from https://shop.example/m/manifest.json: HTTP 404 Not Found, an empty body; check options.modelUrl');
    expect(e.details).toEqual({ url: 'https://shop.example/m/manifest.json', status: 404, option: 'modelUrl' });
    expect(createError('CLOSED', {}).message).toBe('edgereco: this recommender was closed; create a new one');
    const back = deserializeError(serializeError(createError('INVALID_BUNDLE', { url: 'u', problem: 'p', fix: 'f' }, { cause: new TypeError('x') })));
    expect(back).toMatchObject({ code: 'INVALID_BUNDLE', message: 'edgereco: the model bundle at u is not valid: p; f', details: { url: 'u' } });
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
