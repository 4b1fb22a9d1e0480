import { dirname, join } from 'node:path';
import type { AggregateConfig } from './config.js';

/** Where an aggregation run writes the priors bundle and the estimates file (relative to the working directory). */
export function aggregateOutputs(aggregate: AggregateConfig | undefined): { priors: string; estimates: string } {
  const priors = aggregate?.out ?? 'priors.json';
  return { priors, estimates: aggregate?.estimatesOut ?? join(dirname(priors), 'estimates.json') };
}
