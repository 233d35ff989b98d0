/**
 * The additive attention mask and position ids of one forward call, on the host (no tensor library):
 * see attention-mask.ts for the rules. Shared by the tfjs decoder and the ggml one.
 */

/** Added to a masked score: finite, so a fully masked (padding) row stays finite instead of NaN. */
export const MASKED = -1e9;

/**
 * The same on the host, with `cols` >= P + past + T key columns per row (the extra ones masked: the
 * ggml engine attends over a fixed-size window of its KV cache so one graph serves many steps).
 * mask: [B][T][cols] row-major; positions: [B][T].
 */
export function hostMaskAndPositions(
  keyMask: ArrayLike<number>,
  batch: number,
  steps: number,
  pastLen: number,
  prefixLen: number,
  cols = prefixLen + pastLen + steps,
): { mask: Float32Array; positions: Int32Array } {
  const known = pastLen + steps;
  if (keyMask.length !== batch * known) throw new Error(`attention mask has ${keyMask.length} entries, expected [${batch}, ${known}]`);
  const mask = new Float32Array(batch * steps * cols);
  const positions = new Int32Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    let seen = prefixLen;
    for (let j = 0; j < known; j++) {
      seen += keyMask[b * known + j] ? 1 : 0;
      const t = j - pastLen;
      if (t >= 0) positions[b * steps + t] = keyMask[b * known + j] ? seen - 1 : 1;
    }
    for (let t = 0; t < steps; t++) {
      const row = (b * steps + t) * cols;
      for (let j = 0; j < known; j++) {
        const visible = j <= pastLen + t && keyMask[b * known + j] !== 0;
        if (!visible) mask[row + prefixLen + j] = MASKED;
      }
      for (let j = prefixLen + known; j < cols; j++) mask[row + j] = MASKED;
    }
  }
  return { mask, positions };
}
