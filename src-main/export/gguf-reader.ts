/**
 * Reads a GGUF v3 file back: metadata, tensor infos and (dequantized) tensor data. Used by the
 * tests to check the layout we write, and by the export self-check to run the exported weights
 * through the engine. Whole-file, in memory: meant for the model sizes a self-check can afford.
 */
import { decodeToFloat32 } from '../engine/io/dtype';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgmlType, GgufValueType, Q8_0_BLOCK, Q8_0_BLOCK_BYTES, alignUp, ggmlTypeBytes } from './gguf-format';

export type GgufReadValue = number | bigint | boolean | string | (number | bigint | boolean | string)[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order: innermost dimension first. */
  dims: number[];
  type: GgmlType;
  /** Offset relative to the data section. */
  offset: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufReadValue>;
  /** The type tag each metadata value was stored with. */
  metadataTypes: Map<string, GgufValueType>;
  tensors: GgufTensorInfo[];
  alignment: number;
  dataStart: number;
  bytes: Uint8Array;
}

class Cursor {
  at = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8() {
    return this.view.getUint8(this.at++);
  }
  i8() {
    return this.view.getInt8(this.at++);
  }
  u16() {
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  i16() {
    const v = this.view.getInt16(this.at, true);
    this.at += 2;
    return v;
  }
  u32() {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  i32() {
    const v = this.view.getInt32(this.at, true);
    this.at += 4;
    return v;
  }
  f32() {
    const v = this.view.getFloat32(this.at, true);
    this.at += 4;
    return v;
  }
  f64() {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  u64() {
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  i64() {
    const v = this.view.getBigInt64(this.at, true);
    this.at += 8;
    return v;
  }
  string() {
    const n = Number(this.u64());
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  scalar(type: GgufValueType): number | bigint | boolean | string {
    switch (type) {
      case GgufValueType.UINT8:
        return this.u8();
      case GgufValueType.INT8:
        return this.i8();
      case GgufValueType.UINT16:
        return this.u16();
      case GgufValueType.INT16:
        return this.i16();
      case GgufValueType.UINT32:
        return this.u32();
      case GgufValueType.INT32:
        return this.i32();
      case GgufValueType.FLOAT32:
        return this.f32();
      case GgufValueType.FLOAT64:
        return this.f64();
      case GgufValueType.UINT64:
        return this.u64();
      case GgufValueType.INT64:
        return this.i64();
      case GgufValueType.BOOL:
        return this.u8() !== 0;
      case GgufValueType.STRING:
        return this.string();
      default:
        throw new Error(`GGUF: bad value type ${type} at byte ${this.at}`);
    }
  }
}

export function parseGguf(bytes: Uint8Array): GgufFile {
  const c = new Cursor(bytes);
  if (c.u32() !== GGUF_MAGIC) throw new Error('GGUF: bad magic');
  const version = c.u32();
  const tensorCount = Number(c.u64());
  const kvCount = Number(c.u64());
  const metadata = new Map<string, GgufReadValue>();
  const metadataTypes = new Map<string, GgufValueType>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string();
    const type = c.u32() as GgufValueType;
    metadataTypes.set(key, type);
    if (type === GgufValueType.ARRAY) {
      const itemType = c.u32() as GgufValueType;
      const n = Number(c.u64());
      const items: (number | bigint | boolean | string)[] = new Array(n);
      for (let j = 0; j < n; j++) items[j] = c.scalar(itemType);
      metadata.set(key, items);
    } else metadata.set(key, c.scalar(type));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string();
    const nDims = c.u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(Number(c.u64()));
    const type = c.u32() as GgmlType;
    const offset = Number(c.u64());
    tensors.push({ name, dims, type, offset });
  }
  const alignment = (metadata.get('general.alignment') as number | undefined) ?? GGUF_DEFAULT_ALIGNMENT;
  return { version, metadata, metadataTypes, tensors, alignment, dataStart: alignUp(c.at, alignment), bytes };
}

export function tensorElements(t: GgufTensorInfo): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

/** A tensor's values as float32 (Q8_0 dequantized: d · q). */
export function readGgufTensor(file: GgufFile, t: GgufTensorInfo): Float32Array {
  const n = tensorElements(t);
  const start = file.dataStart + t.offset;
  const raw = file.bytes.subarray(start, start + ggmlTypeBytes(t.type, n));
  switch (t.type) {
    case GgmlType.F32:
      return decodeToFloat32(raw, 'F32');
    case GgmlType.F16:
      return decodeToFloat32(raw, 'F16');
    case GgmlType.BF16:
      return decodeToFloat32(raw, 'BF16');
    case GgmlType.Q8_0: {
      const out = new Float32Array(n);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const blocks = n / Q8_0_BLOCK;
      for (let b = 0; b < blocks; b++) {
        const at = b * Q8_0_BLOCK_BYTES;
        const d = decodeToFloat32(raw.slice(at, at + 2), 'F16')[0];
        for (let i = 0; i < Q8_0_BLOCK; i++) out[b * Q8_0_BLOCK + i] = d * view.getInt8(at + 2 + i);
      }
      return out;
    }
  }
}
