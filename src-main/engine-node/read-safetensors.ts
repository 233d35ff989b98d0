/** Reads every tensor of a small safetensors file (adapters, checkpoints, fixtures) as float32. */
import { readFileSync } from 'node:fs';
import { bufferSource, readSafetensorsHeader, readTensorFloat32 } from '../engine/io/safetensors';

export interface LoadedTensor {
  shape: number[];
  data: Float32Array;
}

export async function readSafetensorsFile(path: string): Promise<Map<string, LoadedTensor>> {
  const src = bufferSource(new Uint8Array(readFileSync(path)), path);
  const header = await readSafetensorsHeader(src);
  const out = new Map<string, LoadedTensor>();
  for (const [name, info] of header.tensors) out.set(name, { shape: info.shape, data: await readTensorFloat32(src, info) });
  return out;
}
