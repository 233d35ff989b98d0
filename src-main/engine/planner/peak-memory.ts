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

/**
 * A running high-water mark of tfjs memory from construction until `stop()`: the planner's test measures
 * one step with it, and the trainer measures a whole run (the "measured peak" shown beside the estimate).
 * Only one may be active at a time per engine (they chain the same two engine methods).
 */
export class MemoryWatermark {
  private readonly eng = tf.engine() as unknown as EngineInternals;
  private readonly origTrack = this.eng.trackTensor;
  private readonly origRemove = this.eng.removeDataId;
  private readonly start: { numBytes: number; bufferBytes: number };
  private readonly peak: { numBytes: number; bufferBytes: number };
  private stopped = false;

  constructor() {
    const eng = this.eng;
    const { origTrack, origRemove } = this;
    let buffers = eng.state.numBytes;
    this.start = { numBytes: eng.state.numBytes, bufferBytes: buffers };
    const peak = (this.peak = { ...this.start });
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
  }

  /** The peaks so far (and the values at the start). */
  read(): PeakMemory {
    return { ...this.peak, startNumBytes: this.start.numBytes, startBufferBytes: this.start.bufferBytes };
  }

  /** Restores the engine's methods; returns the final peaks. Safe to call twice. */
  stop(): PeakMemory {
    if (!this.stopped) {
      this.stopped = true;
      this.eng.trackTensor = this.origTrack;
      this.eng.removeDataId = this.origRemove;
    }
    return this.read();
  }
}

export async function measurePeak(fn: () => void | Promise<void>): Promise<PeakMemory> {
  const watermark = new MemoryWatermark();
  try {
    await fn();
  } finally {
    watermark.stop();
  }
  return watermark.read();
}
