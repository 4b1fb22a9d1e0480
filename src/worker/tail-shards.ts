import type { CatalogItem } from '../core/catalog.js';
import { parseCentroids, parseCluster, parsePack, parseShard, partUrl, POINTERS_PER_ITEM, shardOf, type CatalogShard, type CatalogTiers, type ShardModelRows } from '../core/catalog-tiers.js';
import { asEdgeRecoError, createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';
import { fetchFile, readJson } from './fetch-file.js';

/** How many shards one call fetches at most (the rest on later calls): a long tail history must not stall an answer. */
const MAX_SHARDS_PER_CALL = 24;

/**
 * The tail of a tiered catalog (src/core/catalog-tiers.ts) in the worker: shards fetched when a call names one of
 * their items (the shopper's history, the item in view, a list to re-rank), each once per page view (the browser's
 * HTTP cache revalidates it on the next). A shard that fails is reported once as a warning naming its URL and is not
 * fetched again on this page; its items are then unknown here, as items outside any catalog are.
 */
export class TailShards {
  private readonly fetched = new Map<number, Promise<CatalogShard | null>>();
  private readonly items = new Map<string, CatalogItem>();
  /** The scoring rows of the loaded shards, by the model weights' checksum they were made for. */
  private readonly rows: { weights: string; width: number; ids: string[]; rows: Float32Array }[] = [];
  private lastRows: { parts: number; weights: string; width: number; out: { itemIds: string[]; vectors: Float32Array } } | null = null;
  private centroids: Promise<ShardModelRows | null> | null = null;
  private readonly clusters = new Map<number, Promise<ShardModelRows | null>>();
  private readonly packs = new Map<number, Promise<ShardModelRows | null>>();
  /**
   * Items known from a cluster only, with their rows there: they become inputs of the state (`onRows`) when a call
   * names them, not when their cluster comes (a cluster's 500 rows would each time copy the model's tables).
   */
  private readonly clusterOnly = new Map<string, { rows: ShardModelRows; row: number }>();
  /** Each loaded tail item's memory pointers (from its shard or its cluster): [cluster, weight] pairs. */
  private readonly pointers = new Map<string, [number, number][]>();
  /** The memory's items as numbers on this page (item id → n): the keys of who lists what and of the packs' walk lists. */
  private readonly numbers = new Map<string, number>();
  /** The loaded parts with incoming lists, by number, and who lists what in them: for a source's number, [part, row, weight] triples. */
  private readonly memoryParts: ShardModelRows[] = [];
  private readonly partNumber = new WeakMap<ShardModelRows, number>();
  private readonly listings = new Map<number, number[]>();
  private readonly walkLists = new Map<number, { to: Int32Array; weights: Float32Array }>();

  constructor(
    readonly tiers: CatalogTiers,
    private readonly catalogUrl: string,
    private readonly warn: (error: EdgeRecoError) => void,
  ) {}

  /** Called with the scoring rows of the items calls name (the engine gives them to the model as inputs of the state). */
  onRows: ((rows: ShardModelRows) => void) | null = null;

  get(id: string): CatalogItem | undefined {
    return this.items.get(id);
  }

  /** Tail items loaded on this page. */
  get size(): number {
    return this.items.size;
  }

  /** Loads the shards holding `ids` (the head's own ids are skipped by the caller); resolves when they are in. */
  async ensure(ids: Iterable<string>): Promise<void> {
    const named = [...ids];
    this.useClusterRows(named);
    const wanted = new Set<number>();
    for (const id of named) {
      if (this.items.has(id)) continue;
      const k = shardOf(id, this.tiers.shards);
      if (!this.fetched.has(k)) wanted.add(k);
      if (wanted.size >= MAX_SHARDS_PER_CALL) break;
    }
    const pending: Promise<unknown>[] = [];
    for (const k of wanted) pending.push(this.shard(k));
    for (const id of named) {
      const k = shardOf(id, this.tiers.shards);
      const p = this.fetched.get(k);
      if (p && !wanted.has(k)) pending.push(p);
    }
    await Promise.all(pending);
  }

  /** The rows of named items known from a cluster only, given to `onRows` once. */
  private useClusterRows(ids: readonly string[]): void {
    const found = ids.map((id) => this.clusterOnly.get(id)).filter((at) => at !== undefined);
    if (found.length === 0) return;
    const { weights, width } = found[0]!.rows;
    const same = found.filter((at) => at.rows.weights === weights && at.rows.width === width);
    const rows = new Float32Array(same.length * width);
    same.forEach((at, j) => rows.set(at.rows.rows.subarray(at.row * width, (at.row + 1) * width), j * width));
    const picked = same.map((at) => at.rows.ids[at.row]!);
    for (const id of picked) this.clusterOnly.delete(id);
    this.onRows?.({ weights, width, ids: picked, rows });
    if (same.length < found.length) this.useClusterRows(ids);
  }

  /** How many cluster and pack fetches have settled (loaded or failed) on this page: changes when the rows at hand change. */
  loadedClusters = 0;

  /** A loaded tail item's memory pointers (see `TailMemoryPointers`), or none. */
  pointersOf(id: string): readonly [number, number][] {
    return this.pointers.get(id) ?? [];
  }

  private numberOf(id: string): number {
    let n = this.numbers.get(id);
    if (n === undefined) this.numbers.set(id, (n = this.numbers.size));
    return n;
  }

  /** A loaded part's memory lists by number: who lists its rows (see `listings`) and, in a pack, the lists to walk. */
  private keepMemory(rows: ShardModelRows): void {
    const incoming = rows.incoming;
    if (incoming) {
      const p = this.memoryParts.push(rows) - 1;
      this.partNumber.set(rows, p);
      const at = Int32Array.from(incoming.ids, (id) => this.numberOf(id));
      for (let r = 0; r + 1 < incoming.offsets.length; r++) {
        for (let e = incoming.offsets[r]!; e < incoming.offsets[r + 1]!; e++) {
          const n = at[incoming.from[e]!]!;
          let listed = this.listings.get(n);
          if (!listed) this.listings.set(n, (listed = []));
          listed.push(p, r, incoming.weights[e]!);
        }
      }
    }
    const walk = rows.walk;
    if (!walk) return;
    const at = Int32Array.from(walk.ids, (id) => this.numberOf(id));
    walk.sources.forEach((source, s) => {
      if (this.walkLists.has(at[source]!)) return;
      const to = walk.to.subarray(walk.offsets[s]!, walk.offsets[s + 1]!).map((j) => at[j]!);
      this.walkLists.set(at[source]!, { to, weights: walk.weights.slice(walk.offsets[s]!, walk.offsets[s + 1]!) });
    });
  }

  /**
   * How much each source's list counts toward the last step of the memory's walk (source number → weight; see
   * {@link memorySums}): 1 for each item of the history, plus `pathWeight^t` times the sum of the walk's paths of t
   * steps from the latest items (`from`) to it, for t < `hops`, through the lists the loaded packs hold (a walk of up
   * to three steps from items whose packs are loaded: the whole bundle's).
   */
  sourceWeights(history: readonly string[], from: readonly string[], hops: number, pathWeight: number): Map<number, number> {
    const weights = new Map<number, number>();
    for (const id of history) weights.set(this.numberOf(id), 1);
    let step = new Map<number, number>();
    for (const id of new Set(from)) step.set(this.numberOf(id), 1);
    let factor = 1;
    for (let t = 1; t < hops && pathWeight > 0; t++) {
      factor *= pathWeight;
      const next = new Map<number, number>();
      for (const [m, v] of step) {
        const list = this.walkLists.get(m);
        if (list) list.to.forEach((j, e) => next.set(j, (next.get(j) ?? 0) + v * list.weights[e]!));
      }
      for (const [j, v] of next) weights.set(j, (weights.get(j) ?? 0) + factor * v);
      step = next;
    }
    return weights;
  }

  /**
   * For loaded parts with incoming lists: each row's sum of the weights its sources list it with, times the sources'
   * weights (see {@link sourceWeights}). The work is the sources' entries, not the parts' rows.
   */
  memorySums(parts: readonly ShardModelRows[], sources: ReadonlyMap<number, number>): Map<ShardModelRows, Float32Array> {
    const sums = new Map<number, Float32Array>();
    for (const part of parts) {
      const p = this.partNumber.get(part);
      if (p !== undefined) sums.set(p, new Float32Array(part.incoming!.offsets.length - 1));
    }
    for (const [n, w] of sources) {
      const listed = this.listings.get(n);
      if (!listed) continue;
      for (let i = 0; i < listed.length; i += 3) {
        const into = sums.get(listed[i]!);
        if (into) into[listed[i + 1]!]! += w * listed[i + 2]!;
      }
    }
    return new Map(Array.from(sums, ([p, s]) => [this.memoryParts[p]!, s]));
  }

  private keepPointers(rows: ShardModelRows): void {
    const p = rows.pointers;
    if (!p) return;
    const per = POINTERS_PER_ITEM; // `readPointers` checked there are this many per row
    rows.ids.forEach((id, r) => {
      const list: [number, number][] = [];
      for (let j = 0; j < per; j++) if (p.clusters[r * per + j]! >= 0) list.push([p.clusters[r * per + j]!, p.mass[r * per + j]!]);
      this.pointers.set(id, list);
    });
  }

  /**
   * The tail clusters' centroids (`tiers.clusters`), fetched on first use; null for a catalog tiered by hash only, or
   * when they failed (a warning naming the URL, once: the tail is then reached by hash shards only on this page).
   */
  centroidRows(): Promise<ShardModelRows | null> {
    const clusters = this.tiers.clusters;
    if (!clusters) return Promise.resolve(null);
    const url = new URL(clusters.centroidsUrl, this.catalogUrl).href;
    this.centroids ??= this.read(url, { what: "the tail clusters' centroids", subject: 'the tail centroids', failed: "the tail clusters' centroids could not be loaded", then: 'the tail is reached through the items a call names only' }, (doc) => parseCentroids(doc, clusters, url));
    return this.centroids;
  }

  /**
   * The model rows of tail clusters `ks` (best first), fetching those not yet fetched (at most
   * {@link MAX_SHARDS_PER_CALL} per call; the rest come on later calls); resolves with the rows of those loaded. Their
   * items become known as a shard's are (`get`). `waitMs`: resolve after that long at most, with the clusters loaded by
   * then (the others keep loading, for later calls).
   */
  clusterRows(ks: readonly number[], waitMs?: number): Promise<ShardModelRows[]> {
    const clusters = this.tiers.clusters;
    if (!clusters) return Promise.resolve([]);
    return this.parts(this.clusters, ks, waitMs, (k) => ({
      url: partUrl(clusters.clusterUrl, 'cluster', k, this.catalogUrl),
      about: { what: 'a tail cluster', subject: 'the tail cluster', failed: `the tail cluster ${k} could not be loaded`, then: 'its items are candidates only through the items a call names' },
      parse: (doc, url) => parseCluster(doc, clusters, k, url),
    }));
  }

  /**
   * The memory packs of items `ids` (`tiers.packs`: each item's tail neighbours by the memory), fetched as
   * {@link clusterRows} fetches clusters; resolves with the rows of those loaded.
   */
  packRows(ids: readonly string[]): Promise<ShardModelRows[]> {
    const packs = this.tiers.packs;
    if (!packs) return Promise.resolve([]);
    return this.parts(this.packs, [...new Set(ids.map((id) => shardOf(id, packs.count)))], undefined, (k) => ({
      url: partUrl(packs.packUrl, 'pack', k, this.catalogUrl),
      about: { what: 'a memory pack', subject: 'the memory pack', failed: `the memory pack ${k} could not be loaded`, then: "the shopper's items reach the tail through the clusters only" },
      parse: (doc, url) => parsePack(doc, packs, k, url),
    }));
  }

  private async parts(
    fetched: Map<number, Promise<ShardModelRows | null>>,
    ks: readonly number[],
    waitMs: number | undefined,
    source: (k: number) => { url: string; about: { what: string; subject: string; failed: string; then: string }; parse: (doc: unknown, url: string) => CatalogShard & { model: ShardModelRows } },
  ): Promise<ShardModelRows[]> {
    let fresh = 0;
    const parts = ks.map((k) => {
      let p = fetched.get(k);
      if (!p && fresh++ < MAX_SHARDS_PER_CALL) {
        const { url, about, parse } = source(k);
        p = this.read(url, about, (doc) => {
          const part = parse(doc, url);
          part.model.ids.forEach((id, row) => {
            if (this.items.has(id)) return;
            this.clusterOnly.set(id, { rows: part.model, row });
          });
          for (const item of part.items) if (!this.items.has(item.id)) this.items.set(item.id, item);
          this.keepPointers(part.model);
          this.keepMemory(part.model);
          return part.model;
        });
        void p.then(() => this.loadedClusters++);
        fetched.set(k, p);
      }
      return p;
    });
    const waited = waitMs === undefined ? parts : waitAtMost(parts, waitMs);
    return (await Promise.all(waited)).filter((rows): rows is ShardModelRows => rows !== null && rows !== undefined);
  }

  private shard(k: number): Promise<CatalogShard | null> {
    let p = this.fetched.get(k);
    if (p) return p;
    const url = partUrl(this.tiers.shardUrl, 'shard', k, this.catalogUrl);
    p = this.read(url, { what: 'a catalog shard', subject: 'the catalog shard', failed: `the catalog shard ${k} could not be loaded`, then: 'its items are unknown on this page' }, (doc) => {
      const shard = parseShard(doc, this.tiers, k, url);
      for (const item of shard.items) {
        this.items.set(item.id, item);
        this.clusterOnly.delete(item.id); // its rows come with the shard's
      }
      if (shard.model) {
        this.keepPointers(shard.model);
        this.rows.push(shard.model);
        this.onRows?.(shard.model);
      }
      if (shard.skipped.length > 0) this.warn(shard.skipped[0]!);
      return shard;
    });
    this.fetched.set(k, p);
    return p;
  }

  /** Fetches and reads one of the tail's JSON files; a failure is a warning naming it (and what follows), and null. */
  private async read<T>(url: string, about: { what: string; subject: string; failed: string; then: string }, parse: (doc: unknown) => T): Promise<T | null> {
    try {
      const response = await fetchFile(url, { what: about.what, option: 'catalogUrl' }, 'JSON');
      const doc = await readJson(response, (problem, cause) => createError(ERROR_CODES.INVALID_DATA, { subject: `${about.subject} at ${url}`, requirement: `is not JSON: ${problem}`, url, fix: 'upload every file `edgereco tiers` wrote' }, { cause }));
      return parse(doc);
    } catch (error) {
      this.warn(asEdgeRecoError(error, about.failed, about.then));
      return null;
    }
  }

  /**
   * The loaded tail items the model can score: their scoring rows (`[n, width]`) for the model whose weights have the
   * checksum `weights` (rows made for another model are left out), and their ids.
   */
  scoringRows(weights: string, width: number): { itemIds: string[]; vectors: Float32Array } {
    const cached = this.lastRows;
    if (cached && cached.parts === this.rows.length && cached.weights === weights && cached.width === width) return cached.out;
    const parts = this.rows.filter((r) => r.weights === weights && r.width === width);
    const n = parts.reduce((sum, r) => sum + r.ids.length, 0);
    const vectors = new Float32Array(n * width);
    const itemIds: string[] = [];
    for (const r of parts) {
      vectors.set(r.rows, itemIds.length * width);
      for (const id of r.ids) itemIds.push(id);
    }
    this.lastRows = { parts: this.rows.length, weights, width, out: { itemIds, vectors } };
    return { itemIds, vectors };
  }
}

/** Each of `promises`, or undefined for those not settled within `ms` (one timer for all; none when all have settled). */
function waitAtMost<T>(promises: readonly (Promise<T> | undefined)[], ms: number): (Promise<T | undefined> | undefined)[] {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  void Promise.all(promises).then(() => clearTimeout(timer));
  return promises.map((p) => (p ? Promise.race([p, late]) : p));
}
