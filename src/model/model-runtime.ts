import { deviceLost, selectBackend, type BackendName, type BackendPreference, type BackendReport } from './backend-select.js';
import * as tf from '@tensorflow/tfjs-core';
import { scoreHistoryAsync } from './score-histories.js';
import type { DecodedBundle } from './decode-bundle.js';
import { flattenWeights, type SasrecWeights } from './sasrec-weights.js';
import { importWeights } from './weights-io.js';

export interface RuntimeOptions {
  preference: BackendPreference;
  wasmPath?: string;
  /** The backend in use changed (first selection, or a fallback after a failure). */
  onBackend: (report: BackendReport, reason?: string) => void;
}

/**
 * A loaded model on the best backend here. Scores the whole vocabulary for one history in one batched call. When the
 * backend fails (device lost, a shader or kernel error), it moves to the next backend and retries; the caller only
 * sees an `onBackend` report.
 */
export class ModelRuntime {
  readonly vocabulary: readonly string[];
  private readonly index: Map<string, number>;
  /** Tensors on the active backend; made once a backend is active (tfjs needs one to create tensors). */
  private weights: SasrecWeights | null = null;
  private readonly failed = new Set<BackendName>();
  private switching: Promise<void> | null = null;
  backend: BackendName = 'cpu';

  private constructor(private readonly bundle: DecodedBundle, private readonly options: RuntimeOptions) {
    this.vocabulary = bundle.manifest.vocabulary;
    this.index = new Map(this.vocabulary.map((id, i) => [id, i + 1]));
  }

  /** The item attribute table on the active backend (models with attributes). */
  private attributes: tf.Tensor2D | undefined;

  private loadAttributes(): tf.Tensor2D | undefined {
    this.attributes?.dispose();
    const table = this.bundle.attributes;
    const width = table ? table.length / (this.bundle.manifest.config.numItems + 1) : 0;
    this.attributes = table ? tf.tensor2d(table, [this.bundle.manifest.config.numItems + 1, width], 'int32') : undefined;
    return this.attributes;
  }

  /** (Re)creates the weight tensors on the active backend, releasing the previous ones. */
  private loadWeights(): SasrecWeights {
    if (this.weights) for (const [, t] of flattenWeights(this.weights)) t.dispose();
    this.weights = importWeights(this.bundle.manifest.config, this.bundle.tensors);
    return this.weights;
  }

  static async load(bundle: DecodedBundle, options: RuntimeOptions): Promise<ModelRuntime> {
    const runtime = new ModelRuntime(bundle, options);
    await runtime.select();
    return runtime;
  }

  private probeHistory(): number[] {
    const n = Math.min(this.bundle.manifest.config.maxLength, 20, this.vocabulary.length);
    return Array.from({ length: n }, (_, i) => i + 1);
  }

  private async select(reason?: string): Promise<void> {
    const history = this.probeHistory();
    const report = await selectBackend({
      preference: this.options.preference,
      wasmPath: this.options.wasmPath,
      exclude: this.failed,
      // Each backend gets its own copy of the weights, so no tensor has to move between backends.
      probe: async () => {
        await scoreHistoryAsync(this.bundle.manifest.config, this.loadWeights(), history, this.loadAttributes());
      },
    });
    this.backend = report.backend;
    this.loadWeights();
    this.loadAttributes();
    this.options.onBackend(report, reason);
    const chosen = report.backend;
    void deviceLost().then((why) => {
      if (this.backend === chosen) void this.failOver(chosen, `WebGPU device lost: ${why}`);
    });
  }

  private failOver(backend: BackendName, reason: string): Promise<void> {
    this.failed.add(backend);
    this.switching ??= this.select(reason).finally(() => (this.switching = null));
    return this.switching;
  }

  /** The vocabulary index of an item id (1-based), or undefined for an item the model never saw. */
  indexOf(itemId: string): number | undefined {
    return this.index.get(itemId);
  }

  /**
   * Scores every vocabulary item for a history of item ids, oldest first (unknown items are skipped). Returns null when
   * no item of the history is known to the model. Index `i` of the result is vocabulary item `i` (0 is padding).
   */
  async score(history: readonly string[]): Promise<Float32Array | null> {
    const known = history.map((id) => this.index.get(id)).filter((i): i is number => i !== undefined);
    if (known.length === 0) return null;
    for (let attempt = 0; ; attempt++) {
      if (this.switching) await this.switching;
      const backend = this.backend;
      try {
        return await scoreHistoryAsync(this.bundle.manifest.config, this.weights ?? this.loadWeights(), known, this.attributes ?? this.loadAttributes());
      } catch (error) {
        if (attempt >= 2 || backend === 'cpu') throw error;
        await this.failOver(backend, `${backend} failed while scoring: ${String((error as Error)?.message ?? error)}`);
      }
    }
  }

  /** Which of `candidates` (vocabulary indices) the item `target` is closest to, by the model's item embeddings. */
  nearest(target: number, candidates: readonly number[]): number | undefined {
    const emb = this.bundle.tensors.find((t) => t.name === 'itemEmbedding');
    if (!emb || candidates.length === 0) return undefined;
    const d = emb.shape[1]!;
    const row = (i: number) => emb.data.subarray(i * d, (i + 1) * d);
    const t = row(target);
    let best: number | undefined;
    let bestSim = -Infinity;
    for (const c of candidates) {
      const r = row(c);
      let dot = 0;
      let norm = 0;
      for (let j = 0; j < d; j++) {
        dot += t[j]! * r[j]!;
        norm += r[j]! * r[j]!;
      }
      const sim = dot / Math.sqrt(norm || 1);
      if (sim > bestSim) {
        bestSim = sim;
        best = c;
      }
    }
    return best;
  }

  dispose(): void {
    if (this.weights) for (const [, t] of flattenWeights(this.weights)) t.dispose();
    this.weights = null;
  }
}
