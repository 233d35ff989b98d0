/** Little-endian byte building for the GGUF header (metadata and tensor infos). */
import { GgufValueType, type GgufValue } from './gguf-format';

export class ByteBuilder {
  #chunks: Uint8Array[] = [];
  #length = 0;
  #scratch = new DataView(new ArrayBuffer(8));

  get length(): number {
    return this.#length;
  }

  bytes(b: Uint8Array): void {
    this.#chunks.push(b);
    this.#length += b.byteLength;
  }

  #fixed(n: number, set: (v: DataView) => void): void {
    set(this.#scratch);
    this.bytes(new Uint8Array(this.#scratch.buffer.slice(0, n)));
  }

  u8(v: number): void {
    this.#fixed(1, (d) => d.setUint8(0, v));
  }
  i8(v: number): void {
    this.#fixed(1, (d) => d.setInt8(0, v));
  }
  u16(v: number): void {
    this.#fixed(2, (d) => d.setUint16(0, v, true));
  }
  i16(v: number): void {
    this.#fixed(2, (d) => d.setInt16(0, v, true));
  }
  u32(v: number): void {
    this.#fixed(4, (d) => d.setUint32(0, v, true));
  }
  i32(v: number): void {
    this.#fixed(4, (d) => d.setInt32(0, v, true));
  }
  f32(v: number): void {
    this.#fixed(4, (d) => d.setFloat32(0, v, true));
  }
  f64(v: number): void {
    this.#fixed(8, (d) => d.setFloat64(0, v, true));
  }
  u64(v: number | bigint): void {
    this.#fixed(8, (d) => d.setBigUint64(0, BigInt(v), true));
  }
  i64(v: bigint): void {
    this.#fixed(8, (d) => d.setBigInt64(0, v, true));
  }

  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.byteLength);
    this.bytes(b);
  }

  /** Many length-prefixed strings as one block (a vocabulary is 150k of them). */
  #stringBlock(strings: string[]): void {
    const enc = new TextEncoder();
    const encoded = strings.map((x) => enc.encode(x));
    const total = encoded.reduce((a, b) => a + 8 + b.byteLength, 0);
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const b of encoded) {
      view.setBigUint64(at, BigInt(b.byteLength), true);
      out.set(b, at + 8);
      at += 8 + b.byteLength;
    }
    this.bytes(out);
  }

  zeros(n: number): void {
    if (n > 0) this.bytes(new Uint8Array(n));
  }

  value(v: GgufValue): void {
    this.u32(v.type);
    switch (v.type) {
      case GgufValueType.UINT8:
        return this.u8(v.value);
      case GgufValueType.INT8:
        return this.i8(v.value);
      case GgufValueType.UINT16:
        return this.u16(v.value);
      case GgufValueType.INT16:
        return this.i16(v.value);
      case GgufValueType.UINT32:
        return this.u32(v.value);
      case GgufValueType.INT32:
        return this.i32(v.value);
      case GgufValueType.FLOAT32:
        return this.f32(v.value);
      case GgufValueType.FLOAT64:
        return this.f64(v.value);
      case GgufValueType.UINT64:
        return this.u64(v.value);
      case GgufValueType.INT64:
        return this.i64(v.value);
      case GgufValueType.BOOL:
        return this.u8(v.value ? 1 : 0);
      case GgufValueType.STRING:
        return this.string(v.value);
      case GgufValueType.ARRAY: {
        this.u32(v.itemType);
        this.u64(v.value.length);
        if (v.itemType === GgufValueType.STRING) this.#stringBlock(v.value as string[]);
        else {
          // Numeric arrays in one block: the vocabulary's token types are 150k entries.
          const out = new DataView(new ArrayBuffer(4 * v.value.length));
          (v.value as number[]).forEach((x, i) => {
            if (v.itemType === GgufValueType.FLOAT32) out.setFloat32(4 * i, x, true);
            else if (v.itemType === GgufValueType.UINT32) out.setUint32(4 * i, x, true);
            else out.setInt32(4 * i, x, true);
          });
          this.bytes(new Uint8Array(out.buffer));
        }
        return;
      }
    }
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
