/**
 * Writes a checkpoint as Hugging Face does with `save_pretrained(max_shard_size="5GB")`: one
 * `model.safetensors`, or `model-0000i-of-0000n.safetensors` shards plus
 * `model.safetensors.index.json` ({"metadata": {"total_size"}, "weight_map"}) when the weights pass
 * the shard size. Tensors are produced and written one at a time, so a model larger than memory
 * can be exported. Header metadata carries {"format": "pt"}, which transformers checks.
 */
import { join } from 'node:path';
import { encodeTensorBytes, planSafetensors, storedBytes, type WritableDtype } from '../engine/io/safetensors';
import type { ByteSink, OpenSink } from './byte-sink';

export type FloatDtype = WritableDtype;

export const DEFAULT_MAX_SHARD_BYTES = 5e9; // transformers' "5GB" is 5·10^9 bytes

export interface OutTensor {
  name: string;
  shape: number[];
  dtype: FloatDtype;
}

export const tensorBytes = (t: OutTensor): number => storedBytes(t);

/** Greedy split in the given order: a new shard starts when the next tensor would pass the limit. */
export function planShards(tensors: OutTensor[], maxShardBytes: number): OutTensor[][] {
  const shards: OutTensor[][] = [];
  let current: OutTensor[] = [];
  let size = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    if (current.length > 0 && size + bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(t);
    size += bytes;
  }
  if (current.length > 0) shards.push(current);
  return shards;
}

export interface WrittenCheckpoint {
  files: string[];
  totalBytes: number;
}

/**
 * Writes `tensors` into `dir`. `produce(t)` returns the tensor's float32 values (merged or
 * converted by the caller); they are encoded to `t.dtype` and written immediately.
 */
export async function writeShardedSafetensors(
  dir: string,
  tensors: OutTensor[],
  produce: (t: OutTensor) => Promise<Float32Array>,
  opts: { maxShardBytes?: number; openSink: OpenSink; onTensor?: (done: number, total: number) => void },
): Promise<WrittenCheckpoint> {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const shards = planShards(sorted, opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
  const n = shards.length;
  const names = shards.map((_, i) => (n === 1 ? 'model.safetensors' : `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`));
  const weightMap: Record<string, string> = {};
  let totalBytes = 0;
  let done = 0;
  for (let s = 0; s < n; s++) {
    const sink: ByteSink = opts.openSink(join(dir, names[s]));
    try {
      // engine/io lays out the header (name order, 8-byte padding); transformers checks format "pt".
      const plan = planSafetensors(shards[s], { format: 'pt' });
      sink.write(plan.headerBytes);
      for (const t of plan.order as OutTensor[]) {
        const values = await produce(t);
        const expected = t.shape.reduce((a, b) => a * b, 1);
        if (values.length !== expected) throw new Error(`export: ${t.name} produced ${values.length} values for shape [${t.shape}]`);
        sink.write(encodeTensorBytes(values, t.dtype));
        weightMap[t.name] = names[s];
        totalBytes += tensorBytes(t);
        opts.onTensor?.(++done, sorted.length);
      }
    } finally {
      sink.close();
    }
  }
  if (n > 1) {
    const index = { metadata: { total_size: totalBytes }, weight_map: weightMap };
    const sink = opts.openSink(join(dir, 'model.safetensors.index.json'));
    try {
      sink.write(new TextEncoder().encode(JSON.stringify(index, null, 2) + '\n'));
    } finally {
      sink.close();
    }
    names.push('model.safetensors.index.json');
  }
  return { files: names, totalBytes };
}
