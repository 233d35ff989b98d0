/**
 * Measures the peak of tfjs memory while a function runs, two ways:
 * - `numBytes`: tf.memory().numBytes, which counts every tensor object (a clone or a reshape shares
 *   its data buffer but is counted again);
 * - `bufferBytes`: the bytes of distinct data buffers (the engine's tensorInfo map), i.e. what the
 *   backend really holds, which is what the planner estimates. The engine keeps buffers in a WeakMap,
 *   so they cannot be summed at the start: the start value is tf.memory().numBytes, exact when no
 *   two live tensors share a buffer then (true between training steps: weights and variables only).
 * Both are sampled after every tensor the engine tracks (wrapping engine.trackTensor), so the peak
 * inside a kernel-heavy step is caught exactly, not by timer sampling.
 */
import * as tf from '@tensorflow/tfjs-core';

interface EngineInternals {
  trackTensor(a: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
  state: { numBytes: number; tensorInfo: WeakMap<object, { bytes: number }> };
}

export interface PeakMemory {
  numBytes: number;
  bufferBytes: number;
  /** Values when the measurement started. */
  startNumBytes: number;
  startBufferBytes: number;
}

export async function measurePeak(fn: () => void | Promise<void>): Promise<PeakMemory> {
  const eng = tf.engine() as unknown as EngineInternals;
  const origTrack = eng.trackTensor;
  const origRemove = eng.removeDataId;
  let buffers = eng.state.numBytes;
  const start = { numBytes: eng.state.numBytes, bufferBytes: buffers };
  const peak = { numBytes: start.numBytes, bufferBytes: buffers };
  eng.trackTensor = function (this: EngineInternals, a: tf.Tensor, backend: unknown) {
    const fresh = !this.state.tensorInfo.has(a.dataId);
    origTrack.call(this, a, backend);
    if (fresh) buffers += this.state.tensorInfo.get(a.dataId)?.bytes ?? 0;
    if (buffers > peak.bufferBytes) peak.bufferBytes = buffers;
    if (this.state.numBytes > peak.numBytes) peak.numBytes = this.state.numBytes;
  };
  eng.removeDataId = function (this: EngineInternals, dataId: object, backend: unknown) {
    const info = this.state.tensorInfo.get(dataId);
    origRemove.call(this, dataId, backend);
    if (info && !this.state.tensorInfo.has(dataId)) buffers -= info.bytes;
  };
  try {
    await fn();
  } finally {
    eng.trackTensor = origTrack;
    eng.removeDataId = origRemove;
  }
  return { ...peak, startNumBytes: start.numBytes, startBufferBytes: start.bufferBytes };
}
