import { readFileSync } from 'node:fs';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import { checkExperiments, type Experiment } from '../src/core/experiments.js';
import type { AggregateConfig } from './config.js';

/** The config's experiments (`aggregate.experiments`: a JSON file, or the array), checked as the SDK checks them. */
export function configExperiments(aggregate: AggregateConfig | undefined): Experiment[] {
  const source = aggregate?.experiments;
  if (source === undefined) return [];
  if (typeof source !== 'string') return checkExperiments(source, 'config.aggregate.experiments');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(source, 'utf8'));
  } catch (error) {
    throw createError(ERROR_CODES.INVALID_DATA, { subject: `the experiments file ${source}`, requirement: `cannot be read (${(error as Error).message})`, fix: 'check config.aggregate.experiments' }, { cause: error });
  }
  return checkExperiments(doc, `${source}`);
}
