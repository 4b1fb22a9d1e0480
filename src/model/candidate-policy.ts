/**
 * When and how widely `recommend()` scores candidates instead of the whole catalog, as pure functions of the catalog's
 * size (the runtime and the evaluation CLI both read them, so what is evaluated is what ships).
 *
 * The exact product costs time in proportion to the catalog: warm `recommend({k: 10})` p50 was 1.2 ms at 20,000 items,
 * 4.4 ms at 100,000 and 19.9 ms at 300,000 (WASM, Chromium). Below {@link APPROXIMATE_FROM} items it stays under about
 * 2.5 ms and loses nothing, so it stays; from there on the candidates' share of the catalog is fixed (about 2.5%, see
 * below), which is what the quality figures in BENCHMARKS.md were measured with.
 */

/** Catalogs with at least this many items score candidates (when the bundle has an index); smaller ones score every item. */
export const APPROXIMATE_FROM = 50_000;

/** The share of the clusters whose items are scored (default 1/50: about 2% of the catalog). */
export const PROBE_FRACTION = 1 / 50;
/** The share of the catalog always scored as the head: the most popular items by the model's prior (0.2%). */
export const HEAD_FRACTION = 0.002;
/**
 * The share of the catalog the co-occurrence memory may add, its largest terms first (1%). Chosen on Games' validation
 * items (6,000 users): 0.5% lost 2.2% of NDCG@10 against exact scoring, 1% lost 0.8%, 2% no less (0.9%).
 */
export const MEMORY_FRACTION = 0.01;
/**
 * A tiered catalog's tail clusters scored per `recommend()`: those whose centroids score best for the shopper (each
 * about a shard's size; with 500 items, 6,000 tail items).
 */
export const TAIL_CLUSTERS = 12;
/** And, with a co-occurrence memory, the tail clusters the shopper's items point to most (`TailMemoryPointers`). */
export const TAIL_MEMORY_CLUSTERS = 12;
/** And the memory packs (each item's own tail neighbours, `tiers.packs`) of the shopper's latest distinct items. */
export const TAIL_PACKS = 24;
/**
 * How long a `recommend()` waits for tail clusters it has not loaded yet once the engine has answered before (ms): the
 * rest keep loading and the next call scores them. A new page view's state usually picks a few new clusters, fetched
 * in 11–41 ms on a local server (more from a CDN), which put its first answer 16–60 ms above an empty page's; the
 * clusters the engine already has were chosen for the shopper's history before the new page. Measured with
 * `evaluate --tail-late-clusters` (the previous history's clusters only, the worst case): BENCHMARKS.md. The memory
 * packs of the items the call names are always awaited, as their shards are.
 */
export const CLUSTER_WAIT_MS = 15;
/** Candidates rescored exactly (float rows) after the int8 pass, the best by their int8 score (256). */
export const SHORTLIST = 256;

/** What one approximate scoring call scores: clusters probed, head items, memory items, and the exact shortlist. */
export interface CandidateSettings {
  probe: number;
  head: number;
  memory: number;
  shortlist: number;
}

/** Clusters of an index over `numItems` items: 4√n (4,000 at 1,000,000 items, 616 at 23,715), at least 1. */
export function clusterCount(numItems: number): number {
  return Math.max(1, Math.min(numItems, Math.round(4 * Math.sqrt(numItems))));
}

/** Whether a catalog of `numItems` scores candidates (given an index). */
export function scoresCandidates(numItems: number): boolean {
  return numItems >= APPROXIMATE_FROM;
}

/**
 * The settings for `numItems` items in `clusters` clusters; `probeFraction` overrides {@link PROBE_FRACTION} (the
 * evaluation CLI's `--probe`, for validation runs).
 */
export function candidateSettings(numItems: number, clusters: number, probeFraction = PROBE_FRACTION): CandidateSettings {
  return {
    probe: Math.max(1, Math.min(clusters, Math.ceil(clusters * probeFraction))),
    head: Math.ceil(numItems * HEAD_FRACTION),
    memory: Math.ceil(numItems * MEMORY_FRACTION),
    shortlist: SHORTLIST,
  };
}
