/**
 * The GGUF v3 container (ggml-org/ggml docs/gguf.md): little-endian; magic "GGUF", version 3,
 * tensor count and metadata count (u64); metadata key/value pairs (key: u64-length string, value:
 * u32 type tag + payload, arrays as element type + u64 count + elements); tensor infos (name,
 * n_dims u32, dims u64 innermost first, ggml type u32, data offset u64 relative to the data
 * section); padding to `general.alignment` (32 by default); tensor data, each tensor aligned.
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** ggml tensor types Tuneloom writes (ggml.h `enum ggml_type`). */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q8_0 = 8,
  BF16 = 30,
}

/** llama.cpp `enum llama_ftype`, stored as general.file_type. */
export enum LlamaFileType {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q8_0 = 7,
  MOSTLY_BF16 = 32,
}

/** Q8_0: blocks of 32 values, an f16 scale then 32 int8s. */
export const Q8_0_BLOCK = 32;
export const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

/** A metadata value with its GGUF type made explicit (JS numbers cannot say u32 from f32). */
export type GgufValue =
  | {
      type:
        | GgufValueType.UINT8
        | GgufValueType.INT8
        | GgufValueType.UINT16
        | GgufValueType.INT16
        | GgufValueType.UINT32
        | GgufValueType.INT32
        | GgufValueType.FLOAT32
        | GgufValueType.FLOAT64;
      value: number;
    }
  | { type: GgufValueType.UINT64 | GgufValueType.INT64; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.STRING; value: string[] }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType.INT32 | GgufValueType.UINT32 | GgufValueType.FLOAT32; value: number[] };

export const u32 = (value: number): GgufValue => ({ type: GgufValueType.UINT32, value });
export const f32 = (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value });
export const str = (value: string): GgufValue => ({ type: GgufValueType.STRING, value });
export const bool = (value: boolean): GgufValue => ({ type: GgufValueType.BOOL, value });
export const strArray = (value: string[]): GgufValue => ({ type: GgufValueType.ARRAY, itemType: GgufValueType.STRING, value });
export const i32Array = (value: number[]): GgufValue => ({ type: GgufValueType.ARRAY, itemType: GgufValueType.INT32, value });

export function ggmlTypeBytes(type: GgmlType, elements: number): number {
  switch (type) {
    case GgmlType.F32:
      return elements * 4;
    case GgmlType.F16:
    case GgmlType.BF16:
      return elements * 2;
    case GgmlType.Q8_0:
      return (elements / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;
