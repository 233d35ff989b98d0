/**
 * Converts the raw little-endian bytes of a safetensors tensor to float32 (or int32) values.
 * Follows the dtype names of the safetensors format (huggingface/safetensors, `Dtype`): F64, F32,
 * F16, BF16, I64, I32. Every engine tensor is float32, so everything widens or narrows to that.
 */

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

export function isSupportedDtype(d: string): d is SafetensorsDtype {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, d);
}

/** IEEE half -> float32, exact (every f16 value is representable in f32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

let halfTable: Float32Array | undefined;
function halfLookup(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = halfToFloat(i);
  }
  return halfTable;
}

/**
 * Decodes `bytes` (exactly the tensor's byte range) to float32. The input may be any
 * Uint8Array view; unaligned views are copied once so typed-array views can be made.
 */
export function decodeToFloat32(bytes: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const width = DTYPE_BYTES[dtype];
  const n = bytes.byteLength / width;
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const buf = aligned.buffer;
  const off = aligned.byteOffset;
  switch (dtype) {
    case 'F32':
      // A copy, so the caller may drop the (possibly shared) byte buffer.
      return new Float32Array(buf.slice(off, off + n * 4));
    case 'BF16': {
      // bf16 is the top half of an f32: shift into place through a u32 view.
      const src = new Uint16Array(buf, off, n);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'F16': {
      const src = new Uint16Array(buf, off, n);
      const table = halfLookup();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]];
      return out;
    }
    case 'F64':
      return Float32Array.from(new Float64Array(buf, off, n));
    case 'I64': {
      const src = new BigInt64Array(buf, off, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(src[i]);
      return out;
    }
    case 'I32':
      return Float32Array.from(new Int32Array(buf, off, n));
  }
}

/** float32 -> bf16 bits with round-to-nearest-even (what torch's `.to(bfloat16)` does). */
export function float32ToBf16Bits(values: Float32Array): Uint16Array {
  const u32 = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = u32[i];
    if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) {
      out[i] = (x >>> 16) | 0x40; // keep NaN a NaN
    } else {
      out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
    }
  }
  return out;
}
