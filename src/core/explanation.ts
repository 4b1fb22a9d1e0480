import type { ArmRef } from './experiments.js';

/** One piece of evidence behind a result, in words a shopper understands. */
export interface Evidence {
  kind: 'history' | 'together' | 'similar' | 'category' | 'popular' | 'experiment';
  text: string;
  /** The history item the evidence refers to, when there is one. */
  relatedItemId?: string;
}

/** What `explain(itemId)` returns: only evidence that is present in the shopper's log, the catalog or the model. */
export interface Explanation {
  itemId: string;
  title?: string;
  evidence: Evidence[];
  /** The experiment arms the shopper is in, which decide the lists they see (absent without experiments). */
  experiments?: ArmRef[];
}
