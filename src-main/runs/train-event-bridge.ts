/**
 * Worker protocol events back into the trainer's TrainEvent union, so `tuneloom train` and
 * `tuneloom runs resume` print the same JSON lines whether the loop runs here or in a worker.
 */
import type { MemoryEstimate, TrainEvent } from '../engine/train/train-events';
import type { StartedInfo, WorkerEvent } from '../workers/protocol';
import type { TrainMethod } from '../engine/train/train-settings';

export interface BridgeContext {
  runId: number;
  method: TrainMethod;
  /** The run's newest checkpoint folder, for the error event. */
  lastCheckpoint: () => string | null;
}

const num = (x: unknown, fallback = 0): number => (typeof x === 'number' ? x : fallback);

/** The planner estimate a trainer put in its `started` info, if it is well-formed (the guard checks only that info is an object). */
export function memoryEstimateOf(info: StartedInfo | null | undefined): MemoryEstimate | null {
  const m: Partial<MemoryEstimate> | null | undefined = info?.memoryEstimate;
  const ok = typeof m === 'object' && m !== null && typeof m.bytes === 'number' && typeof m.batch === 'number' && typeof m.seqLen === 'number';
  return ok ? { bytes: m.bytes!, batch: m.batch!, seqLen: m.seqLen! } : null;
}

export function toTrainEvent(e: WorkerEvent, ctx: BridgeContext): TrainEvent | null {
  const runId = String(ctx.runId);
  switch (e.type) {
    case 'started': {
      const info: StartedInfo = e.info ?? {};
      const memoryEstimate = memoryEstimateOf(info);
      return {
        type: 'start',
        runId,
        method: info.method === 'ptuning' ? 'ptuning' : ctx.method,
        ...(info.objective === 'grpo' ? { objective: 'grpo' as const } : {}),
        totalSteps: e.totalSteps ?? 0,
        fromStep: e.fromStep,
        examples: num(info.examples),
        valExamples: num(info.valExamples),
        tooLong: Array.isArray(info.tooLong) ? info.tooLong : [],
        truncated: num(info.truncated),
        trainableParams: num(info.trainableParams),
        ...(memoryEstimate ? { memoryEstimate } : {}),
      };
    }
    case 'step':
      return {
        type: 'step',
        step: e.step,
        loss: e.loss,
        lr: e.lr,
        gradNorm: e.gradNorm ?? NaN,
        tokensPerS: e.tokensPerS ?? 0,
        epoch: e.epoch ?? 0,
        tokensSeen: e.tokensSeen ?? 0,
      };
    case 'rewards': {
      const { v: _v, seq: _s, ...rest } = e;
      return rest;
    }
    case 'eval':
      return { type: 'eval', step: e.step, loss: e.loss, examples: num(e.metrics?.examples) };
    case 'sample':
      return { type: 'sample', step: e.step, promptIdx: e.promptIdx, prompt: e.prompt, output: e.output };
    case 'checkpoint':
      return { type: 'checkpoint', step: e.step, path: e.path, bytes: e.bytes ?? 0 };
    case 'log':
      return { type: 'log', level: e.level === 'warn' || e.level === 'error' ? 'warn' : 'info', message: e.message };
    case 'done':
      return {
        type: 'done',
        runId,
        reason: e.reason,
        step: e.step,
        adapter: e.adapterPath ?? '',
        losses: e.losses ?? [],
        ...(e.peakMemoryBytes !== null ? { peakMemoryBytes: e.peakMemoryBytes } : {}),
      };
    case 'error':
      return { type: 'error', error: e.error, step: e.step, lastCheckpoint: ctx.lastCheckpoint() };
    default:
      return null;
  }
}
