/**
 * tfjs-backend-webgpu binds every tensor as one storage buffer. A buffer larger than the device's
 * `maxStorageBufferBindingSize` (128 MiB on Mesa lavapipe; the 0.5B model's 544 MiB embedding is over
 * it) is created but cannot be bound, and the shaders then read and write zeros: training reports loss
 * 0.000 and generation emits id 0 with no error. This guard refuses such a tensor with one line instead.
 * (Until the engine moves to ggml, which splits large tensors itself.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors';

interface BufferManagerLike {
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): unknown;
}
interface WebgpuBackendLike {
  device?: { limits?: { maxStorageBufferBindingSize?: number } };
  bufferManager?: BufferManagerLike;
}

const GUARDED = Symbol.for('tuneloom.webgpuBindingGuard');
/** GPUBufferUsage.STORAGE (a constant of the WebGPU spec). */
const STORAGE = 0x0080;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function bindingLimitError(bytes: number, limit: number): UserError {
  return new UserError(`a tensor of ${mib(bytes)} is over this WebGPU device's ${mib(limit)} storage-buffer limit (maxStorageBufferBindingSize); on webgpu it would compute zeros`, {
    where: '--backend webgpu',
    hint: 'use --backend cpu (or wasm), or a GPU whose limit is larger',
  });
}

/** Installs the guard on the active webgpu backend (idempotent). Returns the limit, or null when unknown. */
export function guardWebgpuBindings(): number | null {
  const backend = tf.backend() as unknown as WebgpuBackendLike & { [GUARDED]?: true };
  const limit = backend.device?.limits?.maxStorageBufferBindingSize;
  const manager = backend.bufferManager;
  if (!limit || !manager) return null;
  if (backend[GUARDED]) return limit;
  const acquire = manager.acquireBuffer.bind(manager);
  manager.acquireBuffer = (size, usage, mappedAtCreation, reuse) => {
    if ((usage & STORAGE) !== 0 && size > limit) throw bindingLimitError(size, limit);
    return acquire(size, usage, mappedAtCreation, reuse);
  };
  backend[GUARDED] = true;
  return limit;
}
