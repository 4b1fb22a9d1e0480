import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam whose embedding table is updated lazily, row by row: a step touches only the rows that the batch used (their
 * moments and values), as TF-Addons' LazyAdam does. Dense parameters get plain Adam. On Amazon Beauty a batch touches
 * ~15% of the 12,101 item rows, and a dense Adam step over the whole table was the largest cost of a training step.
 */
export class LazyAdam {
  private t = 0;
  private readonly m = new Map<tf.Variable, tf.Variable>();
  private readonly v = new Map<tf.Variable, tf.Variable>();
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;

  constructor(private options: AdamOptions) {
    this.b1 = options.beta1 ?? 0.9;
    this.b2 = options.beta2 ?? 0.999;
    this.eps = options.epsilon ?? 1e-8;
  }

  private slots(variable: tf.Variable): [tf.Variable, tf.Variable] {
    let m = this.m.get(variable);
    let v = this.v.get(variable);
    if (!m || !v) {
      m = tf.variable(tf.zerosLike(variable), false);
      v = tf.variable(tf.zerosLike(variable), false);
      this.m.set(variable, m);
      this.v.set(variable, v);
    }
    return [m, v];
  }

  /** Sets the learning rate of the next steps (a schedule calls this before each step). */
  setLearningRate(learningRate: number): void {
    this.options = { ...this.options, learningRate };
  }

  /** Starts a step: the bias-corrected learning rate of this step. */
  private stepSize(): number {
    this.t++;
    return (this.options.learningRate * Math.sqrt(1 - this.b2 ** this.t)) / (1 - this.b1 ** this.t);
  }

  /**
   * Applies one step. `dense`: variable → gradient of the same shape. `sparse`: a table, the row indices the batch used
   * (distinct), and the gradient of those rows (`[rows.length, ...]`).
   */
  apply(
    dense: ReadonlyMap<tf.Variable, tf.Tensor>,
    sparse?: { table: tf.Variable; rows: tf.Tensor1D; grad: tf.Tensor },
  ): void {
    const lr = this.stepSize();
    tf.tidy(() => {
      for (const [variable, g] of dense) {
        const [m, v] = this.slots(variable);
        const m1 = tf.add(tf.mul(m, this.b1), tf.mul(g, 1 - this.b1));
        const v1 = tf.add(tf.mul(v, this.b2), tf.mul(tf.square(g), 1 - this.b2));
        m.assign(m1);
        v.assign(v1);
        variable.assign(tf.sub(variable, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), this.eps)), lr)));
      }
      if (sparse) {
        const { table, rows, grad } = sparse;
        const [m, v] = this.slots(table);
        const idx = tf.reshape(rows, [-1, 1]);
        const m1 = tf.add(tf.mul(tf.gather(m, rows), this.b1), tf.mul(grad, 1 - this.b1));
        const v1 = tf.add(tf.mul(tf.gather(v, rows), this.b2), tf.mul(tf.square(grad), 1 - this.b2));
        const w1 = tf.sub(tf.gather(table, rows), tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), this.eps)), lr));
        m.assign(tf.tensorScatterUpdate(m, idx, m1));
        v.assign(tf.tensorScatterUpdate(v, idx, v1));
        table.assign(tf.tensorScatterUpdate(table, idx, w1));
      }
    });
  }
}
