import { nonEmptyLines, parseError } from './parse-error.js';
import { SequenceBuilder } from './sequence-builder.js';
import type { SequenceDataset } from './sequence-dataset.js';

/**
 * Parses SASRec's format: one `user item` pair per line (space or tab separated), each user's lines in time order.
 * Ids are kept as strings; the vocabulary is in order of first appearance.
 */
export function parseSasrec(text: string): SequenceDataset {
  const builder = new SequenceBuilder();
  for (const [lineNumber, line] of nonEmptyLines(text)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2) throw parseError('sasrec', lineNumber, 'expected "user item"', line);
    builder.add(fields[0]!, fields[1]!);
  }
  return builder.build();
}
