/**
 * AdamW with the semantics of torch.optim.AdamW (single-tensor path, amsgrad off):
 *   p <- p * (1 - lr * wd)                      decoupled weight decay, applied before the Adam update
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2
 *   p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)     eps outside the sqrt
 * Reference: pytorch/torch/optim/adamw.py (_single_tensor_adamw). State (m, v, step) serialises to
 * plain Float32Arrays so a checkpoint can restore it bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdamWState } from './adamw-state';

export type { AdamWState } from './adamw-state';

export interface AdamWOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private stepCount = 0;
  private readonly m = new Map<string, tf.Variable>(); // name -> [...param.shape], first moment
  private readonly v = new Map<string, tf.Variable>(); // name -> [...param.shape], second moment

  constructor(
    private readonly params: Map<string, tf.Variable>, // name -> any shape (LoRA A [r, in], B [out, r]; prefix [P, L*2*kvDim], ...)
    opts: AdamWOptions = {},
  ) {
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    for (const [name, p] of params) {
      // tidy frees the zeros tensors; the variables keep their own reference to the data.
      this.m.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)), // [...p.shape]
      );
      this.v.set(
        name,
        tf.tidy(() => tf.variable(tf.zerosLike(p), false)), // [...p.shape]
      );
    }
  }

  get step(): number {
    return this.stepCount;
  }

  /** One update with learning rate `lr`; `grads` holds a gradient for every parameter name. */
  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.stepCount++;
    const t = this.stepCount;
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
    const stepSize = lr / bc1;
    for (const [name, p] of this.params) {
      const g = grads[name]; // [...p.shape]
      if (!g) throw new Error(`AdamW: no gradient for parameter ${name}`);
      const m = this.m.get(name)!; // [...p.shape]
      const v = this.v.get(name)!; // [...p.shape]
      tf.tidy(() => {
        // torch does param.mul_(1 - lr*wd) first, then uses the decayed param in the Adam step.
        const decayed = this.weightDecay !== 0 ? tf.mul(p, tf.scalar(1 - lr * this.weightDecay)) : p; // [...p.shape]
        const m1 = tf.add(tf.mul(m, tf.scalar(this.beta1)), tf.mul(g, tf.scalar(1 - this.beta1))); // [...p.shape]
        const v1 = tf.add(tf.mul(v, tf.scalar(this.beta2)), tf.mul(tf.mul(g, g), tf.scalar(1 - this.beta2))); // [...p.shape]
        const denom = tf.add(tf.div(tf.sqrt(v1), tf.scalar(bc2Sqrt)), tf.scalar(this.eps)); // [...p.shape]
        const p1 = tf.sub(decayed, tf.mul(tf.div(m1, denom), tf.scalar(stepSize))); // [...p.shape]
        m.assign(m1);
        v.assign(v1);
        p.assign(p1);
      });
    }
  }

  /** Host copies of the moments (async read-back: works on every backend, webgpu included). */
  async getState(): Promise<AdamWState> {
    const m: Record<string, Float32Array> = {}; // name -> [p.size], row-major
    const v: Record<string, Float32Array> = {}; // name -> [p.size], row-major
    for (const name of this.params.keys()) {
      m[name] = Float32Array.from((await this.m.get(name)!.data()) as Float32Array);
      v[name] = Float32Array.from((await this.v.get(name)!.data()) as Float32Array);
    }
    return { step: this.stepCount, m, v };
  }

  setState(state: AdamWState): void {
    for (const [name, p] of this.params) {
      const m = state.m[name]; // [p.size], row-major
      const v = state.v[name]; // [p.size], row-major
      if (!m || !v || m.length !== p.size || v.length !== p.size) {
        throw new Error(`AdamW state does not match parameter ${name}`);
      }
      tf.tidy(() => {
        this.m.get(name)!.assign(tf.tensor(m, p.shape)); // [...p.shape]
        this.v.get(name)!.assign(tf.tensor(v, p.shape)); // [...p.shape]
      });
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
