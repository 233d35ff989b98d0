/**
 * All tensors of a checkpoint across its shards (one `model.safetensors`, or the files listed by
 * `model.safetensors.index.json`'s `weight_map`, as transformers' `load_sharded_checkpoint` reads
 * them). Headers are read up front; tensor data is read one tensor at a time on request.
 */
import { UserError } from '../errors';
import { DTYPE_BYTES, decodeToFloat32 } from './dtype';
import { readSafetensorsHeader, readTensorFloat32, type ByteSource, type TensorInfo } from './safetensors';

export interface ShardIndex {
  weight_map: Record<string, string>;
}

/**
 * The distinct shard file names of an index, in first-seen order. The index comes with a downloaded
 * model, so every name must stay inside the model folder: relative, with no ".." part.
 */
export function shardFilesOfIndex(index: unknown, where: string): string[] {
  const hint = 'the index must map each tensor name to a shard file in the model folder; download or copy it again';
  if (index === null || typeof index !== 'object' || Array.isArray(index)) throw new UserError('the sharded index is not a JSON object', { where, hint });
  const map = (index as Partial<ShardIndex>).weight_map;
  if (map === null || typeof map !== 'object' || Array.isArray(map) || Object.keys(map).length === 0) {
    throw new UserError(
      `the sharded index's weight_map must be an object of tensor name -> file, got ${Array.isArray(map) ? 'a list' : (JSON.stringify(map) ?? 'nothing')}`,
      { where: `${where} (weight_map)`, hint },
    );
  }
  for (const [tensor, file] of Object.entries(map)) {
    if (typeof file !== 'string' || file === '') throw new UserError(`weight_map["${tensor}"] must be a file name`, { where: `${where} (weight_map)`, hint });
    if (/^([\\/]|[A-Za-z]:)/.test(file) || file.split(/[\\/]/).includes('..')) {
      throw new UserError(`weight_map["${tensor}"] points outside the model folder: "${file}"`, { where: `${where} (weight_map)`, hint });
    }
  }
  return [...new Set(Object.values(map as Record<string, string>))];
}

export class WeightStore {
  private constructor(private readonly entries: Map<string, { src: ByteSource; info: TensorInfo }>) {}

  static async open(sources: ByteSource[]): Promise<WeightStore> {
    const entries = new Map<string, { src: ByteSource; info: TensorInfo }>();
    for (const src of sources) {
      const { tensors } = await readSafetensorsHeader(src);
      for (const [name, info] of tensors) entries.set(name, { src, info });
    }
    return new WeightStore(entries);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo | undefined {
    return this.entries.get(name)?.info;
  }

  where(name: string): string | undefined {
    return this.entries.get(name)?.src.where;
  }

  async read(name: string): Promise<Float32Array> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`WeightStore.read: no tensor ${name}`);
    return readTensorFloat32(e.src, e.info);
  }

  /**
   * Elements [start, start + count) of a tensor (row-major) as float32: lets a loader convert a
   * multi-GB embedding a slice at a time instead of holding it whole in f32.
   */
  async readRange(name: string, start: number, count: number): Promise<Float32Array> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`WeightStore.readRange: no tensor ${name}`);
    const width = DTYPE_BYTES[e.info.dtype];
    const begin = e.info.begin + start * width;
    if (begin + count * width > e.info.end) throw new Error(`WeightStore.readRange: ${name} has fewer than ${start + count} elements`);
    return decodeToFloat32(await e.src.read(begin, count * width), e.info.dtype);
  }
}
