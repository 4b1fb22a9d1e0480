import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../../src/core/csv-line.js';
import { parseEventCsv } from '../../../models/cli/datasets/event-csv.js';
import { parseItemAttributes } from '../../../models/cli/datasets/item-attributes.js';
import { kCore } from '../../../models/cli/datasets/k-core.js';
import { parseOnlineRetail } from '../../../models/cli/datasets/online-retail.js';
import {
  onlineRetailCustomerSequences,
  onlineRetailInvoiceSequences,
} from '../../../models/cli/datasets/online-retail-sequences.js';
import { parseS3rec } from '../../../models/cli/datasets/s3rec-format.js';
import { parseSasrec } from '../../../models/cli/datasets/sasrec-format.js';
import { countInteractions } from '../../../models/cli/datasets/sequence-dataset.js';
import { EdgeRecoError } from '../../../src/core/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/model/${name}`, import.meta.url), 'utf8');

describe('sasrec and s3rec formats', () => {
  it('parses SASRec pairs into per-user sequences in file order', () => {
    const d = parseSasrec('1 10\n1 11\n2 10\r\n\n1 12\n');
    expect(d.userIds).toEqual(['1', '2']);
    expect(d.itemIds).toEqual(['10', '11', '12']);
    expect(d.items).toEqual([[1, 2, 3], [1]]);
  });

  it('parses S3-Rec lines and agrees with the same data as SASRec pairs', () => {
    const s3 = parseS3rec('1 5 6 7\n2 6 5\n');
    const sas = parseSasrec('1 5\n1 6\n1 7\n2 6\n2 5\n');
    expect(s3).toEqual(sas);
    expect(countInteractions(s3)).toBe(5);
  });

  it('rejects malformed lines with a typed error naming the line', () => {
    expect(() => parseSasrec('1 2\n1 2 3\n')).toThrow(/sasrec line 2/);
    expect(() => parseS3rec('7\n')).toThrow(EdgeRecoError);
  });
});

describe('store csv', () => {
  it('sorts each user by time, keeps types, and handles quotes, ISO dates and a header', () => {
    const d = parseEventCsv(fixture('events.csv'));
    expect(d.userIds).toEqual(['u1', 'u2']);
    const ids = d.items.map((seq) => seq.map((i) => d.itemIds[i - 1]));
    expect(ids).toEqual([['A', 'C', 'B'], ['A', 'D,1']]);
    expect(d.types![0]).toEqual(['view', 'add_to_cart', 'click']);
    expect(d.times![0]![0]).toBe(1_700_000_000_000);
  });

  it('refuses an unknown event type', () => {
    expect(() => parseEventCsv('u,i,1700000000,like\n')).toThrow(/event_type/);
  });

  it('splits CSV fields with quotes and doubled quotes', () => {
    expect(splitCsvLine('a,"b, c","say ""hi""",')).toEqual(['a', 'b, c', 'say "hi"', '']);
  });
});

describe('attributes', () => {
  it('maps attribute ids onto the item vocabulary', () => {
    const a = parseItemAttributes(fixture('attributes.json'), ['2', '1', '5']);
    expect(a.attributeIds).toEqual(['20', '10']);
    expect(a.attributes).toEqual([[], [1], [2, 1], []]);
  });
});

describe('online retail', () => {
  const rows = parseOnlineRetail(fixture('retail.csv'));

  it('parses rows, quoted descriptions and customer ids', () => {
    expect(rows).toHaveLength(7);
    expect(rows[1]!.description).toBe('LANTERN, WHITE');
    expect(rows[0]!.customerId).toBe('17850');
    expect(rows[6]!.customerId).toBe('');
  });

  it('invoice sequences: drops empty descriptions, dedupes exact tuples, keeps cancellations', () => {
    const d = onlineRetailInvoiceSequences(rows, 1, 'lines');
    expect(d.userIds).toEqual(['536365', 'C536379', '536380']);
    // 71053 appears twice: quantities 6 and 8 are distinct interactions.
    expect(d.items[0]!.map((i) => d.itemIds[i - 1])).toEqual(['85123A', '71053', '71053']);
  });

  it('invoice sequences as published: the lines of an invoice (one time) in a seeded arbitrary order', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...rows[0]!, stockCode: `S${i}`, description: `ITEM ${i}` }));
    const lines = onlineRetailInvoiceSequences(many, 1, 'lines');
    const shuffled = onlineRetailInvoiceSequences(many, 1, 'shuffle', 7);
    const names = (d: typeof lines): string[] => d.items[0]!.map((i) => d.itemIds[i - 1]!);
    expect(names(lines)).toEqual(many.map((r) => r.stockCode));
    expect(names(shuffled)).not.toEqual(names(lines));
    expect([...names(shuffled)].sort()).toEqual([...names(lines)].sort());
    expect(names(onlineRetailInvoiceSequences(many, 1, 'shuffle', 7))).toEqual(names(shuffled)); // deterministic
  });

  it('customer sequences: clean rows only, upper-cased codes, one line per item per basket', () => {
    const d = onlineRetailCustomerSequences(rows, { k: 0 });
    expect(d.userIds).toEqual(['17850']);
    expect(d.items[0]!.map((i) => d.itemIds[i - 1])).toEqual(['85123A', '71053', '22633']);
  });

  it('k-core leaves every user and item with at least k interactions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ user: fc.constantFrom('a', 'b', 'c', 'd'), item: fc.constantFrom('x', 'y', 'z') }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (xs, k) => {
          const kept = kCore(xs, k, k);
          const count = (key: 'user' | 'item', v: string): number => kept.filter((x) => x[key] === v).length;
          for (const x of kept) {
            expect(count('user', x.user)).toBeGreaterThanOrEqual(k);
            expect(count('item', x.item)).toBeGreaterThanOrEqual(k);
          }
        },
      ),
    );
  });
});
