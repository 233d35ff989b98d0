/**
 * Per-layer key/value cache for incremental decoding. Keys are stored after RoPE, as
 * transformers' DynamicCache does, in [B, nKv, S, hd]; S = prefix (if any) + tokens seen.
 * The cache owns its tensors: `update` keeps the new ones and disposes the ones they replace.
 */
import * as tf from '@tensorflow/tfjs-core';

export class KvCache {
  private keys: (tf.Tensor4D | undefined)[];
  private values: (tf.Tensor4D | undefined)[];
  /** Tokens seen so far (not counting the prefix). */
  pastLength = 0;
  /** Prefix columns at the front of every layer's keys (P-Tuning v2), fixed by the first call. */
  prefixLength = 0;

  constructor(readonly numLayers: number) {
    this.keys = new Array(numLayers).fill(undefined);
    this.values = new Array(numLayers).fill(undefined);
  }

  layer(i: number): { k?: tf.Tensor4D; v?: tf.Tensor4D } {
    return { k: this.keys[i], v: this.values[i] };
  }

  /** Stores the full keys/values of layer i (old ones disposed). Safe inside tf.tidy. */
  update(i: number, k: tf.Tensor4D, v: tf.Tensor4D): void {
    const oldK = this.keys[i];
    const oldV = this.values[i];
    this.keys[i] = tf.keep(k);
    this.values[i] = tf.keep(v);
    if (oldK && oldK !== k) oldK.dispose();
    if (oldV && oldV !== v) oldV.dispose();
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.pastLength = 0;
    this.prefixLength = 0;
  }
}
