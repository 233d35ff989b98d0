/**
 * Packing on the host: the decoder's mask builder knows padding only, so packed rows get their own
 * additive mask (a token sees earlier tokens of its own example, and every prefix column) and
 * positions restarting at each example (offset by the prefix length, as peft + transformers place
 * tokens after a prefix). Both engines' training graphs take these arrays.
 */
import { MASKED } from '../nn/host-mask';
import type { Batch } from './batching';

/** Additive mask [B, 1, T, P+T] and positions [B*T] of packed rows (segments from collate). */
export function packedMaskAndPositions(batch: Batch, prefixLen: number): { mask: Float32Array; positions: Int32Array } {
  const { batch: B, steps: T } = batch;
  const seg = batch.segments!;
  const pos = batch.positions!;
  const cols = prefixLen + T;
  const mask = new Float32Array(B * T * cols);
  const positions = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const at = b * T + t;
      positions[at] = seg[at] ? pos[at] + prefixLen : 1;
      const row = at * cols;
      for (let j = 0; j < T; j++) {
        const visible = j <= t && seg[b * T + j] !== 0 && seg[b * T + j] === seg[at];
        if (!visible) mask[row + prefixLen + j] = MASKED;
      }
    }
  }
  return { mask, positions };
}
