/**
 * The input tensors of one training micro-batch's graph and the host data that fills them: token ids,
 * positions and the attention mask (prefix columns first, packed rows by segment), and the LoRA dropout
 * masks. Graph tensors are declared here; the data is queued as uploads, written once the graph is
 * allocated.
 */
import { GgmlType, type TensorPtr } from '../ggml/ffi';
import { hostMaskAndPositions, MASKED } from '../nn/host-mask';
import type { Batch } from '../train/batching';
import { packedMaskAndPositions } from '../train/packed-mask';
import { Rng } from '../train/rng';
import type { StepInputs } from './decoder-backward';
import { PROJ_NAMES, type FrozenWeights } from './frozen-weights';
import type { GraphBuilder, T } from './graph';
import { QUERY_BLOCK_ROWS, queryBlockSpans, type QueryBlock } from './causal-attention';

/** A tensor and the host values to write into it before the compute. */
export type Upload = [TensorPtr, Float32Array | Int32Array];

/**
 * ids [N], pos [N] and the attention's query blocks of `batch` after `P` prefix columns, each block's
 * mask [P + t0 + n, n, 1, B] cut from the full [P + Tq, Tq, 1, B] mask (causal: the columns after a
 * block's last row are masked for all of its rows).
 */
export function batchInputs(g: GraphBuilder, batch: Batch, P: number, uploads: Upload[], blockRows = QUERY_BLOCK_ROWS): StepInputs {
  const { batch: B, steps: Tq } = batch;
  const N = B * Tq;
  const ids = g.input([N], 'ids', GgmlType.I32);
  const pos = g.input([N], 'pos', GgmlType.I32);
  const cols = P + Tq;
  const { mask: maskData, positions } = batch.segments ? packedMaskAndPositions(batch, P) : hostMaskAndPositions(batch.attentionMask, B, Tq, 0, P);
  // A padding row sees nothing: let it see itself so its softmax stays finite (it is never a target).
  for (let r = 0; r < N; r++) {
    const at = r * cols + P + (r % Tq);
    if (maskData[at] === MASKED) maskData[at] = 0;
  }
  uploads.push([ids.p, batch.ids], [pos.p, positions]);
  const blocks = queryBlockSpans(Tq, blockRows).map(({ t0, n }): QueryBlock => {
    const keys = P + t0 + n;
    const mask = g.input([keys, n, 1, B], `mask.${t0}`);
    uploads.push([mask.p, blockMask(maskData, { cols, Tq, B }, t0, n, keys)]);
    return { t0, n, keys, mask };
  });
  return { ids, pos, blocks };
}

/** Rows [t0, t0 + n) and columns [0, keys) of each batch row's [cols, Tq] mask. */
function blockMask(full: Float32Array, dims: { cols: number; Tq: number; B: number }, t0: number, n: number, keys: number): Float32Array {
  const { cols, Tq, B } = dims;
  if (n === Tq && keys === cols) return full;
  const out = new Float32Array(keys * n * B);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < n; t++) {
      const from = (b * Tq + t0 + t) * cols;
      out.set(full.subarray(from, from + keys), (b * n + t) * keys);
    }
  }
  return out;
}

/** What the dropout masks of one micro-batch depend on. */
export interface DropoutSpec {
  /** The drop probability, > 0. */
  rate: number;
  /** Seeds the masks: the same seed gives the same masks. */
  seed: number;
  frozen: FrozenWeights;
  /** Whether (layer, projection) `${layer}.${proj}` has a LoRA module. */
  hasModule: (key: string) => boolean;
  B: number;
  Tq: number;
}

/**
 * Per (layer, projection) inverted-dropout masks [in, Tq, B] (0 or 1/(1-p)), declared the first time
 * the decoder asks for one; none for a projection without a LoRA module.
 */
export function dropoutMasks(g: GraphBuilder, d: DropoutSpec, uploads: Upload[]): NonNullable<StepInputs['dropout']> {
  const masks = new Map<string, T>();
  const keep = 1 / (1 - d.rate);
  const N = d.B * d.Tq;
  return (layer, proj) => {
    const key = `${layer}.${proj}`;
    if (!d.hasModule(key)) return undefined;
    let m = masks.get(key);
    if (!m) {
      const inDim = d.frozen.layers[layer].proj[proj].w.ne[0];
      m = g.input([inDim, d.Tq, d.B], `dropout.${key}`);
      const rng = new Rng((d.seed * 1_000_003 + layer * 16 + PROJ_NAMES.indexOf(proj)) >>> 0);
      const data = new Float32Array(inDim * N);
      for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() < d.rate ? 0 : keep;
      uploads.push([m.p, data]);
      masks.set(key, m);
    }
    return m;
  };
}
