import type { BackendName, BackendPreference, BackendReport, WasmPaths } from './backend-select.js';
import { preferenceOrder, STEADY_RUNS, WARMUP_RUNS } from './backend-policy.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { DecodedBundle } from './decode-bundle.js';
import { addCooccurrence, followedMemoryTerms, historyState, modelProduct, plainSasrec, readsEventFeatures, rowDots, scoringRows, scoringVector, scoringWidth, vectorWidth, type MemoryTerms, type PlainSasrec } from './history-state.js';
import { buildCandidateIndex, type CandidateIndex } from './candidate-index.js';
import { candidateSettings, scoresCandidates } from './candidate-policy.js';
import { largestFirst, scoreCandidates, type MemoryCandidates, type ScoredItems } from './candidate-scoring.js';
import { featurizeHistory, type HistoryEvent, type HistoryFeatures } from '../core/featurize.js';
import { paddedColumns } from './matrix-product.js';
import { BEST_ITEMS, buildCatalogScan, type BestItems, type CatalogScan } from './catalog-scan.js';

export interface RuntimeOptions {
  preference: BackendPreference;
  /** The backends to try, in order (default: the preference's, see `preferenceOrder`), and why (`BackendReport.why`). */
  order?: readonly BackendName[];
  why?: string;
  wasmPath?: WasmPaths;
  /** The backend in use changed: first selection, a fallback after a failure, or a steady-state switch (`reason`). */
  onBackend: (report: BackendReport, reason?: string) => void;
}

/** What {@link ModelRuntime.measureSteadyState} found and did. */
export interface SteadyState {
  /** Median ms per warm scoring call (the shopper's state and the catalog product), per backend that ran. */
  timings: Partial<Record<BackendName, number>>;
  backend: BackendName;
  why: string;
  /** Whether the runtime moved to another backend. */
  switched: boolean;
}

/** TensorFlow.js's part of the runtime (tf-scoring.ts), loaded by {@link ModelRuntime.accelerate}. */
type TfScoring = typeof import('./tf-scoring.js');

/**
 * A loaded model on the best backend here. Scores the whole vocabulary for one history in one batched call. When the
 * backend fails (device lost, a shader or kernel error), it moves to the next backend and retries; the caller only
 * sees an `onBackend` report. Made with {@link ModelRuntime.plain}, it answers at once with plain loops (the same
 * state, the same dot products) and moves to TensorFlow.js once {@link ModelRuntime.accelerate} has chosen a backend.
 */
export class ModelRuntime {
  readonly vocabulary: readonly string[];
  private readonly index: Map<string, number>;
  /** The model as plain arrays: the history's state is computed here, on any backend (see `historyState`). */
  private readonly model: PlainSasrec;
  /** The item vectors on the active backend; made once a backend is active (tfjs needs one to create tensors). */
  private tableT: tf.Tensor2D | null = null;
  private readonly failed = new Set<BackendName>();
  private switching: Promise<void> | null = null;
  /** Scoring calls running now: a steady-state measurement waits for them before it changes the backend. */
  private running = 0;
  private firstScore: () => void = () => {};
  /** Resolves after the first scoring call that answered (the critical path is behind it). */
  readonly scored = new Promise<void>((resolve) => (this.firstScore = resolve));
  backend: BackendName = 'cpu';

  private constructor(private readonly bundle: DecodedBundle, private readonly options: RuntimeOptions) {
    this.vocabulary = bundle.manifest.vocabulary;
    this.index = new Map(this.vocabulary.map((id, i) => [id, i + 1]));
    this.model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
    this.rows = scoringRows(this.model);
  }

  /**
   * Builds the approximate scoring's index, for a catalog of `APPROXIMATE_FROM` items or more whose bundle has clusters;
   * resolves to whether there is one. The runtime starts it on its own after the first answer, in steps of their own
   * tasks (linear in the catalog, 1.4 s at 1,000,000 items in Node: off the critical path; calls until then score
   * every item).
   */
  prepareCandidates(): Promise<boolean> {
    const clusters = this.bundle.clusters;
    if (!clusters || !scoresCandidates(this.model.config.numItems)) return Promise.resolve(false);
    this.building ??= buildCandidateIndex(this.rows, scoringWidth(this.model), clusters, this.model.itemPrior).then((index) => {
      this.ivf = index;
      return true;
    });
    return this.building;
  }

  private building: Promise<boolean> | null = null;
  private ivf: CandidateIndex | null = null;

  /**
   * Builds the int8 scan of a catalog scored in full (`catalog-scan.ts`), after the first answer (in tasks of its own,
   * 57 ms in all at 23,715 items in Node); resolves to whether there is one (none without WebAssembly SIMD, or with a
   * candidate index).
   */
  prepareScan(): Promise<boolean> {
    if (this.ivf || scoresCandidates(this.model.config.numItems)) return Promise.resolve(false);
    // A scan that cannot be built (no memory for its rows) leaves the full product, which answers the same lists.
    this.scanning ??= buildCatalogScan(this.rows, scoringWidth(this.model), this.model.members?.length ?? 1, this.model.config.dim)
      .catch(() => null)
      .then((scan) => {
        this.scan = scan;
        return scan !== null;
      });
    return this.scanning;
  }

  private scanning: Promise<boolean> | null = null;
  private scan: CatalogScan | null = null;

  /** Each item's scoring row (vector, and prior): uploaded per backend, and averaged for items the model never saw. */
  private readonly rows: Float32Array;

  /**
   * The last input scored (its key), its state, its co-occurrence memory's terms and its scores: pure functions of the
   * input (the scores, of the input and the backend), so a repeat skips the forward pass, the memory's walk and the
   * catalog product.
   */
  private last: { key: string; state: Float32Array; memory?: MemoryTerms | null; reached?: MemoryCandidates | null; scores?: { on: string; values: Float32Array }; best?: BestItems | null } | null = null;

  /** (Re)creates the item table on the active backend, releasing the previous one. */
  private load(): tf.Tensor2D {
    const tfs = this.tf!;
    this.dispose();
    this.tableT = tfs.scoringTable(this.model, this.rows);
    return this.tableT;
  }

  static async load(bundle: DecodedBundle, options: RuntimeOptions): Promise<ModelRuntime> {
    const runtime = ModelRuntime.plain(bundle, options);
    await runtime.accelerate();
    return runtime;
  }

  /** A runtime that scores with plain loops until {@link accelerate} (no TensorFlow.js loaded yet). */
  static plain(bundle: DecodedBundle, options: RuntimeOptions): ModelRuntime {
    const runtime = new ModelRuntime(bundle, options);
    void runtime.scored.then(() => runtime.prepareCandidates()).then(() => runtime.prepareScan());
    return runtime;
  }

  /** TensorFlow.js, once loaded; scoring uses it once a backend is chosen (`accelerated`). */
  private tf: TfScoring | null = null;
  private accelerating: Promise<void> | null = null;
  /** Whether scoring runs on a tfjs backend (else plain loops, before {@link accelerate} finished). */
  accelerated = false;

  private settle: () => void = () => {};
  /** Resolves once {@link accelerate} has run, whether a backend started or not (without starting it). */
  readonly settled = new Promise<void>((resolve) => (this.settle = resolve));

  /** Loads TensorFlow.js and chooses the backend (an `onBackend` report); rejects when no backend starts here. */
  accelerate(): Promise<void> {
    this.accelerating ??= (async () => {
      try {
        this.tf = await import('./tf-scoring.js');
        await this.select();
        this.accelerated = true;
      } finally {
        this.settle();
      }
    })();
    return this.accelerating;
  }

  private probeHistory(): number[] {
    const n = Math.min(this.bundle.manifest.config.maxLength, 20, this.vocabulary.length);
    return Array.from({ length: n }, (_, i) => i + 1);
  }

  private async select(reason?: string): Promise<void> {
    const items = this.probeHistory();
    const state = scoringVector(this.model, historyState(this.model, items, { types: items.map(() => 0), gaps: items.map(() => 0) }));
    const tfs = this.tf!;
    const report = await tfs.selectBackend({
      order: this.options.order ?? preferenceOrder(this.options.preference),
      why: this.options.why ?? `preference "${this.options.preference}"`,
      wasmPath: this.options.wasmPath,
      exclude: this.failed,
      // Each backend gets its own copy of the table, so no tensor has to move between backends.
      probe: async () => {
        await tfs.scoreState(this.load(), state);
      },
    });
    this.backend = report.backend;
    this.load();
    this.options.onBackend(report, reason);
    this.watch(report.backend);
  }

  /** Moves off `chosen` when its GPU device is lost. */
  private watch(chosen: BackendName): void {
    void this.tf!.deviceLost().then((why) => {
      if (this.backend === chosen) void this.failOver(chosen, `${chosen} device lost: ${why}`);
    });
  }

  /**
   * Times warm scoring calls (the shopper's state, then the catalog product, read back) on each of `candidates` that
   * works here: {@link WARMUP_RUNS} untimed (shader compilation, JIT), then the median of {@link STEADY_RUNS}. Then
   * `decide` picks from the timings, and the runtime moves there if that is another backend (an `onBackend` report
   * with the reason). Scoring calls wait meanwhile (it runs once in a while, after the first answer); the ones
   * running when it is called finish first.
   */
  measureSteadyState(candidates: readonly BackendName[], decide: (timings: Partial<Record<BackendName, number>>) => { backend: BackendName; why: string }): Promise<SteadyState> {
    const run = async (): Promise<SteadyState> => {
      await this.accelerate();
      const { activate, median, scoreState, scoringTable } = this.tf!;
      while (this.running > 0) await new Promise((r) => setTimeout(r, 5));
      const before = this.backend;
      const timings: Partial<Record<BackendName, number>> = {};
      const items = this.probeHistory();
      const features = { types: items.map(() => 0), gaps: items.map(() => 0) };
      for (const name of candidates) {
        if (this.failed.has(name) || (await activate(name, this.options.wasmPath)) !== null) continue;
        const table = scoringTable(this.model, this.rows);
        try {
          const call = async () => scoreState(table, scoringVector(this.model, historyState(this.model, items, features)));
          for (let i = 0; i < WARMUP_RUNS; i++) await call();
          const times: number[] = [];
          for (let i = 0; i < STEADY_RUNS; i++) {
            const t0 = performance.now();
            await call();
            times.push(performance.now() - t0);
          }
          timings[name] = median(times);
        } catch {
          // It failed here: no timing, so the decision passes it over.
        } finally {
          table.dispose();
        }
      }
      let { backend, why } = decide(timings);
      if (this.failed.has(backend) || (await activate(backend, this.options.wasmPath)) !== null) {
        ({ backend, why } = { backend: before, why: `${backend} did not start again; staying on ${before}` });
        await activate(before, this.options.wasmPath);
      }
      this.backend = backend;
      this.load();
      const switched = backend !== before;
      if (switched) {
        this.options.onBackend({ backend, why, timings, skipped: {} }, `steady state: ${why}`);
        this.watch(backend);
      }
      return { timings, backend, why, switched };
    };
    // Scoring waits on `switching`: chained after a switch in progress, and never failing the calls that wait.
    const measured = (this.switching ?? Promise.resolve()).catch(() => {}).then(run);
    const switching: Promise<void> = measured.then(
      () => {
        if (this.switching === switching) this.switching = null;
      },
      () => {
        if (this.switching === switching) this.switching = null;
      },
    );
    this.switching = switching;
    return measured;
  }

  private failOver(backend: BackendName, reason: string): Promise<void> {
    this.failed.add(backend);
    if (!this.switching) {
      const switching: Promise<void> = this.select(reason).finally(() => {
        if (this.switching === switching) this.switching = null;
      });
      this.switching = switching;
    }
    return this.switching;
  }

  /** The SHA-256 of the bundle's weights file: the model a tiered catalog's shard rows were made for. */
  get weightsChecksum(): string {
    return this.bundle.manifest.checksums[this.bundle.manifest.weightsFile] ?? '';
  }

  /** The co-occurrence memory's weight (0: the bundle has no memory): a term `weight · log(1 + sum)` per item. */
  get memoryWeight(): number {
    return this.model.neighbours ? this.model.config.neighbourWeight : 0;
  }

  /** The co-occurrence memory's walk: its steps (1: the lists alone) and the weight of each step past the first. */
  get memoryHops(): number {
    return this.model.config.neighbourHops;
  }

  get memoryPathWeight(): number {
    return this.model.config.neighbourPathWeight;
  }

  /** The width of a scoring row (the item vector, then its prior), as {@link scoreVectors} reads rows. */
  get rowWidth(): number {
    return scoringWidth(this.model);
  }

  /** The vocabulary index of an item id (1-based), or undefined for an item the model never saw. */
  indexOf(itemId: string): number | undefined {
    return this.index.get(itemId);
  }

  /**
   * Scores every vocabulary item for a shopper's events, through the one featurization training used
   * (`featurizeHistory`: history event types in time order, unknown items skipped, an immediate repeat collapsed, the
   * last `maxLength`). Returns null when no event is about an item the model knows. Index `i` of the result is
   * vocabulary item `i` (0 is padding).
   */
  scoreEvents(events: readonly HistoryEvent[], now: number): Promise<Float32Array | null> {
    return this.scoreInput(this.featurize(events, now));
  }

  /** {@link scoreEvents} for an input already featurized (by {@link featurize}). */
  async scoreInput(history: HistoryFeatures): Promise<Float32Array | null> {
    if (history.items.length === 0) return null;
    for (let attempt = 0; ; attempt++) {
      while (this.switching) await this.switching;
      const backend = this.backend;
      let failure: unknown;
      this.running++;
      try {
        const last = this.lastOrNew(history);
        // The same input on the same backend: the same scores (several lists of a page ask for one history), copied.
        const on = this.accelerated ? backend : 'plain';
        if (last.scores?.on === on) {
          this.firstScore();
          return last.scores.values.slice();
        }
        const vector = scoringVector(this.model, last.state);
        // Before a backend is chosen: the same dot products in plain loops.
        const scores = this.accelerated ? await this.tf!.scoreState(this.tableT ?? this.load(), vector) : rowDots(this.rows, vector, true);
        last.memory ??= followedMemoryTerms(this.model, history.items);
        const out = addCooccurrence(this.model, history.items, scores, last.memory);
        last.scores = { on, values: out.slice() };
        this.firstScore();
        return out;
      } catch (error) {
        if (!this.accelerated || attempt >= 2 || backend === 'cpu') throw error;
        failure = error;
      } finally {
        this.running--;
      }
      await this.failOver(backend, `${backend} failed while scoring: ${String((failure as Error)?.message ?? failure)}`);
    }
  }

  /**
   * The shopper's best items by candidate scoring (`scoreCandidates`: the best clusters, the head and the memory's items,
   * the shortlist rescored exactly), best first; null when this catalog is scored exactly (under
   * `APPROXIMATE_FROM` items, or a bundle without clusters) or the history is empty: then use {@link scoreInput}.
   */
  async scoreShortlist(history: HistoryFeatures): Promise<ScoredItems | null> {
    const index = this.ivf;
    if (!index || history.items.length === 0) return null;
    while (this.switching) await this.switching;
    const last = this.lastOrNew(history);
    // The memory's terms once per history, whichever of this and scoreInput runs first.
    last.memory ??= followedMemoryTerms(this.model, history.items);
    last.reached ??= largestFirst(last.memory);
    const settings = candidateSettings(this.model.config.numItems, index.clusters);
    const out = scoreCandidates(index, this.rows, scoringVector(this.model, last.state), last.reached, settings);
    this.firstScore();
    return out;
  }

  /**
   * The shopper's best vocabulary items by the int8 scan (`catalog-scan.ts`), at least `count` of them, rescored
   * exactly: the scores {@link scoreInput} gives them in plain loops (a backend's product, to float32 rounding), and no
   * other item scores above `beyond`. Null where there is no
   * scan (not built yet, no WebAssembly SIMD, a catalog scored by candidates) or for an empty input: then use
   * {@link scoreInput}. A repeat of the input reuses the answer.
   */
  scoreBest(history: HistoryFeatures, count: number): BestItems | null {
    const scan = this.scan;
    if (!scan || history.items.length === 0) return null;
    const last = this.lastOrNew(history);
    if (last.best !== undefined && (last.best === null || last.best.items.length >= Math.min(count, this.vocabulary.length))) return last.best;
    last.memory ??= followedMemoryTerms(this.model, history.items);
    last.best = scan.best(scoringVector(this.model, last.state), last.memory, Math.max(count, BEST_ITEMS));
    this.firstScore();
    return last.best;
  }

  /** {@link scoreEvents} for item ids, oldest first, as views made now. */
  score(itemIds: readonly string[]): Promise<Float32Array | null> {
    const now = Date.now();
    return this.scoreEvents(itemIds.map((itemId) => ({ itemId, type: 'view', ts: now })), now);
  }

  /** The model's input for a shopper's events (see {@link scoreEvents}). */
  featurize(events: readonly HistoryEvent[], now: number): HistoryFeatures {
    return featurizeHistory(events, this.index, this.model.config.maxLength, now);
  }

  /** The last input's state, and its memory terms (dense, or the reached items) once a scoring call made them. */
  private lastOrNew(history: HistoryFeatures): NonNullable<ModelRuntime['last']> {
    const reads = readsEventFeatures(this.model.config);
    const key = reads ? `${history.items.join(',')}|${history.types.join(',')}|${history.gaps.join(',')}` : history.items.join(',');
    if (this.last?.key !== key) this.last = { key, state: historyState(this.model, history.items, history) };
    return this.last;
  }

  /** The mean scoring row (vector, and prior) of some vocabulary items: a content row for an item the model never saw. */
  meanVector(members: readonly number[]): Float32Array {
    const d = scoringWidth(this.model);
    const out = new Float32Array(d);
    for (const m of members) for (let j = 0; j < d; j++) out[j]! += this.rows[m * d + j]! / members.length;
    return out;
  }

  /**
   * The state for a shopper's input (`featurize`), null for an empty one: the same object while the input and the
   * model's inputs stay the same, so a caller may key what it derives from the state on it.
   */
  stateOf(history: HistoryFeatures): Float32Array | null {
    return history.items.length === 0 ? null : this.lastOrNew(history).state;
  }

  /** Scores of extra scoring rows (`[n, width]`, from {@link meanVector}) for a shopper's input (`featurize`). */
  scoreVectors(vectors: Float32Array, history: HistoryFeatures): Float32Array {
    if (history.items.length === 0) return new Float32Array(vectors.length / scoringWidth(this.model)).fill(-Infinity);
    return rowDots(vectors, scoringVector(this.model, this.lastOrNew(history).state));
  }

  /** Row norms of the item vectors, computed on first use. */
  private norms: Float32Array | null = null;

  /**
   * The item vectors the model reads and scores with (id embedding, plus attributes for a model with them; an
   * ensemble's members side by side), for item-to-item similarity.
   */
  private embedding(): { data: Float32Array; d: number; norms: Float32Array } {
    const data = this.model.table;
    const d = vectorWidth(this.model);
    const rows = data.length / d;
    if (this.norms?.length !== rows) {
      // Computed on first use, and for the rows added since (addInputs).
      const norms = new Float32Array(rows);
      const from = this.norms?.length ?? 0;
      if (this.norms) norms.set(this.norms);
      for (let i = from; i < rows; i++) {
        let n = 0;
        for (let j = 0; j < d; j++) n += data[i * d + j]! ** 2;
        norms[i] = Math.sqrt(n) || 1;
      }
      this.norms = norms;
    }
    return { data, d, norms: this.norms };
  }

  /**
   * Items the bundle does not hold, given by their scoring rows (a tiered catalog's tail: `[ids.length, rowWidth]`,
   * made from the full model's table): they become inputs of the state (their item vectors appended to the tables the
   * forward pass reads, indices after the vocabulary's) and are similar to items as vocabulary items are. They are not
   * scored by the catalog product (the caller scores them by {@link scoreVectors}). Returns how many were new.
   */
  addInputs(ids: readonly string[], rows: Float32Array): number {
    const width = scoringWidth(this.model);
    const fresh: [string, number][] = [];
    ids.forEach((id, r) => {
      if (!this.index.has(id)) fresh.push([id, r]);
    });
    if (fresh.length === 0) return 0;
    const grow = (model: PlainSasrec, offset: number, d: number): void => {
      const table = new Float32Array(model.table.length + fresh.length * d);
      table.set(model.table);
      fresh.forEach(([, r], j) => table.set(rows.subarray(r * width + offset, r * width + offset + d), model.table.length + j * d));
      model.table = table;
    };
    const first = this.model.table.length / vectorWidth(this.model);
    grow(this.model, 0, vectorWidth(this.model));
    this.model.members?.forEach((member, k) => grow(member, k * this.model.config.dim, this.model.config.dim));
    fresh.forEach(([id], j) => this.index.set(id, first + j));
    this.last = null;
    return fresh.length;
  }

  /** Cosine similarity of two items' embeddings (vocabulary indices). */
  private cosine(e: { data: Float32Array; d: number; norms: Float32Array }, a: number, b: number): number {
    const { data, d } = e;
    const x = a * d;
    const y = b * d;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += data[x + j]! * data[y + j]!;
    return dot / (e.norms[a]! * e.norms[b]!);
  }

  /** Cosine similarity of item `target` to every vocabulary item, by the model's item embeddings (index 0: padding). */
  similarities(target: number): Float32Array {
    const e = this.embedding();
    const out = new Float32Array(this.vocabulary.length + 1);
    for (let i = 1; i < out.length; i++) out[i] = this.cosine(e, target, i);
    out[0] = -Infinity;
    return out;
  }

  /** Which of `candidates` (vocabulary indices) the item `target` is closest to, by the model's item embeddings. */
  nearest(target: number, candidates: readonly number[]): number | undefined {
    return this.nearestEach([target], candidates)[0];
  }

  /**
   * {@link nearest} for several targets at once (a list's reasons): the cosines as one matrix product of the targets'
   * vectors with the candidates' unit vectors; the first candidate wins a tie.
   */
  nearestEach(targets: readonly number[], candidates: readonly number[]): (number | undefined)[] {
    const m = candidates.length;
    if (m === 0) return targets.map(() => undefined);
    const { data, d, norms } = this.embedding();
    const X = new Float32Array(targets.length * d);
    targets.forEach((t, r) => X.set(data.subarray(t * d, t * d + d), r * d));
    // Columns padded with zeros to the SIMD kernel's width (the model's own product, as the state's: ~4× plain loops).
    const w = paddedColumns(m);
    const W = new Float32Array(d * w);
    candidates.forEach((c, col) => {
      for (let j = 0; j < d; j++) W[j * w + col] = data[c * d + j]! / norms[c]!;
    });
    const Y = new Float32Array(targets.length * w);
    modelProduct(this.model)(X, W, targets.length, d, w, Y, true);
    return targets.map((_, r) => {
      let best = 0;
      for (let c = 1; c < m; c++) if (Y[r * w + c]! > Y[r * w + best]!) best = c;
      return candidates[best];
    });
  }

  dispose(): void {
    this.tableT?.dispose();
    this.tableT = null;
  }
}
