/**
 * The bridge between the worker protocol and the real training loop (engine-node/run-training.ts): the
 * start command's config is the trainer's TrainConfig as launched; the trainer's events become protocol
 * events; pause/stop/sample-now reach the loop through its TrainControl, consulted before every step.
 */
import type { TrainConfig } from '../engine/train/train-config';
import type { TrainEvent } from '../engine/train/train-events';
import { serializeError, type SerializedError } from '../errors';
import { outOfMemoryError } from '../engine-node/oom-options';
import { manifestOf } from '../engine-node/checkpoint-manifest';
import { runTraining } from '../engine-node/run-training';
import type { GpuFacts } from './protocol';
import { ReportedError } from './worker-runtime';
import type { TrainerBridge, WorkerEmit } from './worker-runtime';

function forward(e: TrainEvent, runId: number, emit: WorkerEmit, backend: () => string | null, gpu: () => GpuFacts | null, now: () => number): void {
  switch (e.type) {
    case 'start': {
      const { type: _t, runId: _r, totalSteps, fromStep, ...info } = e;
      emit({ type: 'started', runId, totalSteps, fromStep, backend: backend(), gpu: gpu(), info });
      return;
    }
    case 'step':
      emit({
        type: 'step',
        step: e.step,
        loss: e.loss,
        lr: e.lr,
        gradNorm: e.gradNorm,
        tokensPerS: e.tokensPerS,
        epoch: e.epoch,
        tokensSeen: e.tokensSeen,
        ts: now(),
      });
      return;
    case 'rewards': {
      const { type: _t, ...rest } = e;
      emit({ type: 'rewards', ...rest });
      return;
    }
    case 'eval':
      emit({ type: 'eval', step: e.step, loss: e.loss, metrics: { examples: e.examples } });
      return;
    case 'sample':
      emit({ type: 'sample', step: e.step, promptIdx: e.promptIdx, prompt: e.prompt, output: e.output });
      return;
    case 'checkpoint':
      // Read back from disk (the write fsynced it): the store keeps what is really there.
      emit({ type: 'checkpoint', step: e.step, path: e.path, bytes: e.bytes, files: manifestOf(e.path) });
      return;
    case 'log':
      emit({ type: 'log', level: e.level, message: e.message });
      return;
    case 'done':
    case 'error':
      return; // the runtime reports the end from runTraining's result or rejection
  }
}

export const realTrainer: TrainerBridge = async (start, control, emit) => {
  const config: TrainConfig = { ...start.config, resumeFrom: start.resumeFrom ?? start.config.resumeFrom };
  let backend: string | null = null;
  let gpu: GpuFacts | null = null;
  let reported: SerializedError | null = null;
  let lastStep = 0;
  const now = (): number => performance.timeOrigin + performance.now();
  try {
    const done = await runTraining(
      config,
      {
        emit: (e) => {
          if (e.type === 'error') reported = e.error;
          if (e.type === 'step') lastStep = e.step;
          forward(
            e,
            start.runId,
            emit,
            () => backend,
            () => gpu,
            now,
          );
        },
        control: {
          waitWhilePaused: () => control.waitWhilePaused(),
          shouldStop: () => control.shouldStop(),
          takeSampleRequest: () => control.takeSampleRequest(),
          breathe: () => control.breathe(),
          announce: (work) => control.announce(work),
        },
      },
      {
        backend: start.backend ?? 'auto',
        runId: String(start.runId),
        onBackend: (sel) => {
          backend = sel.backend;
          gpu = { backendReason: sel.reason };
          emit({ type: 'log', level: 'info', message: `backend ${sel.backend}: ${sel.reason}` });
        },
      },
    );
    return {
      reason: done.reason,
      step: done.step,
      adapterPath: done.adapter,
      losses: done.losses,
      ...(done.peakMemoryBytes !== undefined ? { peakMemoryBytes: done.peakMemoryBytes } : {}),
    };
  } catch (err) {
    // The loop reports NaN stops as an error event with kind 'nan' before throwing; keep that kind.
    if (reported) throw new ReportedError(reported);
    const serialized = serializeError(err);
    if (serialized.kind === 'oom') throw new ReportedError(outOfMemoryError(serialized, config, backend, lastStep || null));
    throw err;
  }
};
