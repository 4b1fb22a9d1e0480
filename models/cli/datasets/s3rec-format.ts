import { nonEmptyLines, parseError } from './parse-error.js';
import { SequenceBuilder } from './sequence-builder.js';
import type { SequenceDataset } from './sequence-dataset.js';

/** Parses S3-Rec's format: one user per line, `user item1 item2 ...`, items in time order. */
export function parseS3rec(text: string): SequenceDataset {
  const builder = new SequenceBuilder();
  for (const [lineNumber, line] of nonEmptyLines(text)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) throw parseError('s3rec', lineNumber, 'expected "user item ..."', line);
    const user = fields[0]!;
    for (let i = 1; i < fields.length; i++) builder.add(user, fields[i]!);
  }
  return builder.build();
}
