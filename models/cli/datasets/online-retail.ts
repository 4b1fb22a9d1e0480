import { splitCsvLine } from '../../../src/core/csv-line.js';
import { nonEmptyLines, parseError } from './parse-error.js';

/** One line of the UCI Online Retail data. */
export interface OnlineRetailRow {
  invoiceNo: string;
  stockCode: string;
  description: string;
  quantity: number;
  /** Minutes since the epoch (the source has minute resolution), UTC. */
  minute: number;
  unitPrice: number;
  /** Empty when the line has no customer. */
  customerId: string;
  country: string;
}

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** Parses `YYYY-MM-DD HH:MM[:SS]` as UTC minutes since the epoch. */
function parseMinute(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})/.exec(value);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) / 60_000;
}

/** Parses one CSV part of the Online Retail data (with its header line). Rows keep file order. */
export function parseOnlineRetail(text: string): OnlineRetailRow[] {
  const rows: OnlineRetailRow[] = [];
  for (const [lineNumber, line] of nonEmptyLines(text)) {
    if (line === HEADER) continue;
    const f = splitCsvLine(line);
    if (f.length !== 8) throw parseError('online-retail', lineNumber, 'expected 8 columns', line);
    const minute = parseMinute(f[4]!);
    if (!Number.isFinite(minute)) throw parseError('online-retail', lineNumber, 'bad InvoiceDate', f[4]);
    const customer = f[6]!.endsWith('.0') ? f[6]!.slice(0, -2) : f[6]!;
    rows.push({
      invoiceNo: f[0]!,
      stockCode: f[1]!,
      description: f[2]!,
      quantity: Number(f[3]),
      minute,
      unitPrice: Number(f[5]),
      customerId: customer,
      country: f[7]!,
    });
  }
  return rows;
}
