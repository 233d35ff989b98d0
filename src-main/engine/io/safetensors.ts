/**
 * The safetensors format (huggingface/safetensors, "Format" in its README): an 8-byte little-endian
 * header length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?}`,
 * then the data, offsets relative to the end of the header. Reading goes through a `ByteSource`
 * (a file on disk in engine-node, a buffer in tests) so one tensor at a time is in memory.
 */
import { UserError } from '../errors';
import { DTYPE_BYTES, decodeToFloat32, float32ToBf16Bits, isSupportedDtype, type SafetensorsDtype } from './dtype';
import { float32ToHalfArray } from './half-float';

/** Random access to the bytes of one file. `where` names it in error messages. */
export interface ByteSource {
  readonly where: string;
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export function bufferSource(bytes: Uint8Array, where = '<memory>'): ByteSource {
  return {
    where,
    size: bytes.byteLength,
    async read(offset, length) {
      return bytes.subarray(offset, offset + length);
    },
  };
}

/**
 * Reads and validates the header as the reference implementation does (safetensors' Rust `validate`):
 * a JSON object; every entry a supported dtype, a shape of non-negative integers and two non-negative
 * integer offsets whose span is exactly the shape's bytes; sorted by offset, the tensors tile the data
 * with no gap and no overlap, and end exactly where the file ends. Every rule broken is one line naming
 * the file, the tensor and the field, before a single value is read.
 */
export async function readSafetensorsHeader(src: ByteSource): Promise<SafetensorsHeader> {
  const corrupt = (what: string): UserError =>
    new UserError(`truncated or corrupt safetensors file (${what})`, { where: src.where, hint: 'download or copy the file again' });
  if (src.size < 8) throw corrupt(`only ${src.size} bytes`);
  const lenBytes = await src.read(0, 8);
  const headerLen = Number(new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > src.size) throw corrupt(`header of ${headerLen} bytes in a ${src.size}-byte file`);
  const headerText = new TextDecoder().decode(await src.read(8, headerLen));
  let parsed: unknown;
  try {
    parsed = JSON.parse(headerText);
  } catch {
    throw corrupt('header is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw corrupt('header is not a JSON object');
  const raw = parsed as Record<string, unknown>;
  const dataStart = 8 + headerLen;
  const dataBytes = src.size - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((x) => typeof x !== 'string')) {
        throw corrupt('__metadata__ must be an object of strings');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw corrupt(`${name}: the entry is not an object`);
    if (typeof v.dtype !== 'string') throw corrupt(`${name}.dtype is missing`);
    if (!isSupportedDtype(v.dtype)) {
      throw new UserError(`tensor ${name} has dtype ${v.dtype}, which Tuneloom cannot read`, {
        where: src.where,
        hint: 'supported: F64, F32, F16, BF16, I64, I32 (convert quantized checkpoints to bf16 first)',
      });
    }
    if (!Array.isArray(v.shape) || !v.shape.every(isCount))
      throw corrupt(`${name}.shape must be a list of non-negative integers, got ${JSON.stringify(v.shape)}`);
    const offsets = v.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw corrupt(`${name}.data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const shape = v.shape as number[];
    const [b, e] = offsets as [number, number];
    let count = 1;
    for (const d of shape) count *= d;
    const bytes = count * DTYPE_BYTES[v.dtype];
    if (!Number.isSafeInteger(bytes)) throw corrupt(`${name}.shape [${shape}] is too large`);
    if (e < b) throw corrupt(`${name}.data_offsets [${b}, ${e}] end before they begin`);
    if (e - b !== bytes) throw corrupt(`${name}: ${e - b} bytes for shape [${shape}] ${v.dtype}, which needs ${bytes}`);
    if (e > dataBytes) throw corrupt(`${name} ends at byte ${dataStart + e}, file has ${src.size}`);
    spans.push({ name, begin: b, end: e });
    tensors.set(name, { name, dtype: v.dtype, shape, begin: dataStart + b, end: dataStart + e });
  }
  spans.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let at = 0;
  for (const t of spans) {
    if (t.begin < at) throw corrupt(`${t.name}.data_offsets overlap the tensor before it (begin ${t.begin} < ${at})`);
    if (t.begin > at) throw corrupt(`${t.name}.data_offsets leave a gap of ${t.begin - at} bytes before it`);
    at = t.end;
  }
  if (at !== dataBytes) throw corrupt(`${dataBytes - at} bytes after the last tensor`);
  return { tensors, metadata };
}

/** A shape dimension or a byte offset: a non-negative integer JSON can carry exactly. */
function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Reads one tensor as float32 values (the engine's only float type). */
export async function readTensorFloat32(src: ByteSource, info: TensorInfo): Promise<Float32Array> {
  const bytes = await src.read(info.begin, info.end - info.begin);
  return decodeToFloat32(bytes, info.dtype);
}

/** The float dtypes the writer stores (checkpoints, adapters, merged exports). */
export type WritableDtype = 'F32' | 'F16' | 'BF16';

export interface TensorSpec {
  name: string;
  shape: number[];
  /** Stored dtype; F32 by default. */
  dtype?: WritableDtype;
}

/** Bytes a tensor takes on disk. */
export function storedBytes(t: TensorSpec): number {
  return t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype ?? 'F32'];
}

export interface TensorToWrite extends TensorSpec {
  data: Float32Array;
}

export interface SafetensorsPlan {
  /** Length prefix + JSON header, padded to 8 bytes; the data follows in `order`. */
  headerBytes: Uint8Array;
  order: TensorSpec[];
  dataBytes: number;
}

/**
 * Lays out a file (sorted by name, header padded with spaces to 8 bytes as the reference writer
 * does) without holding any data, so multi-GB files can be written tensor by tensor.
 */
export function planSafetensors(specs: TensorSpec[], metadata: Record<string, string> = {}): SafetensorsPlan {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const order = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let offset = 0;
  for (const t of order) {
    const bytes = storedBytes(t);
    header[t.name] = { dtype: t.dtype ?? 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.byteLength % 8)) % 8;
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const headerBytes = new Uint8Array(8 + json.byteLength);
  new DataView(headerBytes.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  headerBytes.set(json, 8);
  return { headerBytes, order, dataBytes: offset };
}

/** The stored bytes of one tensor's values in the given dtype. */
export function encodeTensorBytes(data: Float32Array, dtype: WritableDtype = 'F32'): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bits = dtype === 'BF16' ? float32ToBf16Bits(data) : float32ToHalfArray(data);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}

/** Serialises tensors to one in-memory safetensors file (adapters, small checkpoints). */
export function serializeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`serializeSafetensors: ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
  }
  const plan = planSafetensors(tensors, metadata);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const out = new Uint8Array(plan.headerBytes.byteLength + plan.dataBytes);
  out.set(plan.headerBytes, 0);
  let at = plan.headerBytes.byteLength;
  for (const spec of plan.order) {
    const t = byName.get(spec.name)!;
    const bytes = encodeTensorBytes(t.data, t.dtype);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}
