import { EdgeRecoError, ERROR_CODES, describeValue } from '../../../src/core/errors.js';

/** A malformed line in a dataset file. Uses INVALID_OPTION until a dedicated data-format code exists. */
export function parseError(format: string, lineNumber: number, what: string, value: unknown): EdgeRecoError {
  return new EdgeRecoError(
    ERROR_CODES.INVALID_OPTION,
    `edgereco: ${format} line ${lineNumber}: ${what} (got ${describeValue(value)}); fix or remove the line`,
    { details: { format, line: lineNumber } },
  );
}

/** Splits text into lines (LF or CRLF), keeping 1-based line numbers, skipping blank lines. */
export function* nonEmptyLines(text: string): Generator<[number, string]> {
  let start = 0;
  let lineNumber = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNumber++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim().length > 0) yield [lineNumber, line];
    start = end + 1;
  }
}
