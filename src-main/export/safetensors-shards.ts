/**
 * Writes a checkpoint as Hugging Face does with `save_pretrained(max_shard_size="5GB")`: one
 * `model.safetensors`, or `model-0000i-of-0000n.safetensors` shards plus
 * `model.safetensors.index.json` ({"metadata": {"total_size"}, "weight_map"}) when the weights pass
 * the shard size. Tensors are produced and written one at a time, so a model larger than memory
 * can be exported. Header metadata carries {"format": "pt"}, which transformers checks.
 */
import { join } from 'node:path';
import { float32ToBf16Bits } from '../engine/io/dtype';
import type { ByteSink, OpenSink } from './byte-sink';
import { float32ToHalfArray } from './half-float';

export type FloatDtype = 'F32' | 'F16' | 'BF16';

export const DEFAULT_MAX_SHARD_BYTES = 5e9; // transformers' "5GB" is 5·10^9 bytes

export interface OutTensor {
  name: string;
  shape: number[];
  dtype: FloatDtype;
}

const WIDTH: Record<FloatDtype, number> = { F32: 4, F16: 2, BF16: 2 };

export function tensorBytes(t: OutTensor): number {
  return t.shape.reduce((a, b) => a * b, 1) * WIDTH[t.dtype];
}

export function encodeFloats(values: Float32Array, dtype: FloatDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bits = dtype === 'BF16' ? float32ToBf16Bits(values) : float32ToHalfArray(values);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}

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

function headerBytes(tensors: OutTensor[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // data starts 8-byte aligned
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.byteLength), true);
  out.set(body, 8);
  return out;
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
      sink.write(headerBytes(shards[s]));
      for (const t of shards[s]) {
        const values = await produce(t);
        const expected = t.shape.reduce((a, b) => a * b, 1);
        if (values.length !== expected) throw new Error(`export: ${t.name} produced ${values.length} values for shape [${t.shape}]`);
        sink.write(encodeFloats(values, t.dtype));
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
