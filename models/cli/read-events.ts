import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EdgeRecoError, ERROR_CODES } from '../../src/core/errors.js';
import { parseEventCsv } from './datasets/event-csv.js';
import { featurizeDataset, withEventFeatures } from './training/featurize-dataset.js';
import { parseOnlineRetail, type OnlineRetailRow } from './datasets/online-retail.js';
import {
  onlineRetailCustomerSequences,
  onlineRetailInvoiceSequences,
} from './datasets/online-retail-sequences.js';
import { parseS3rec } from './datasets/s3rec-format.js';
import { parseSasrec } from './datasets/sasrec-format.js';
import type { SequenceDataset } from './datasets/sequence-dataset.js';

export const EVENT_FORMATS = ['csv', 'sasrec', 's3rec', 'online-retail'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];
/** `invoice`: the published preprocessing (ties inside an invoice in arbitrary order); `invoice-lines`: the same with the retailer's line order kept; `customer`: each customer's baskets in time order. */
export const RETAIL_SEQUENCES = ['invoice', 'invoice-lines', 'customer'] as const;
export type RetailSequence = (typeof RETAIL_SEQUENCES)[number];

/** Reads every `*.csv.gz` (or `*.csv`) part in a folder, in name order. */
export function readOnlineRetailFolder(folder: string): OnlineRetailRow[] {
  const parts = readdirSync(folder)
    .filter((name) => name.endsWith('.csv.gz') || name.endsWith('.csv'))
    .sort();
  if (parts.length === 0) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: no .csv.gz parts in ${folder}; pass the retail folder`);
  }
  const rows: OnlineRetailRow[] = [];
  for (const name of parts) {
    const buffer = readFileSync(join(folder, name));
    const text = (name.endsWith('.gz') ? gunzipSync(buffer) : buffer).toString('utf8');
    for (const row of parseOnlineRetail(text)) rows.push(row);
  }
  return rows;
}

/** Loads an events file (or the retail folder) in the given format; a store's csv goes through the worker's featurization. */
export function readEvents(path: string, format: EventFormat, sequence: RetailSequence = 'invoice'): SequenceDataset {
  if (format === 'online-retail') {
    const rows = readOnlineRetailFolder(path);
    return withEventFeatures(sequence === 'customer' ? onlineRetailCustomerSequences(rows) : onlineRetailInvoiceSequences(rows, 5, sequence === 'invoice' ? 'shuffle' : 'lines'));
  }
  const text = readFileSync(path, 'utf8');
  if (format === 'csv') return featurizeDataset(parseEventCsv(text));
  if (format === 'sasrec') return parseSasrec(text);
  return parseS3rec(text);
}
