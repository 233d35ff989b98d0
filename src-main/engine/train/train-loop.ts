/**
 * The training loop (fs-free; I/O through TrainIo), in the order of nanoGPT's train.py: set up (the
 * engine with the adapter to train, the data, the run's length and learning-rate schedule, any resumed
 * state), then per optimiser step the learning rate, forward + backward over the accumulation group's
 * micro-batches, clip, AdamW step and report; evaluate, sample and checkpoint on their cadences; stop on a
 * NaN loss with the step and the last good checkpoint; write the final PEFT adapter into --out.
 * The steps live in load-train-data.ts, train-schedule.ts, train-resume.ts and train-run.ts.
 * Determinism: data order, dropout and init each draw from their own seeded stream, and a checkpoint
 * stores every piece of state, so a resumed run repeats an uninterrupted one bit for bit on cpu.
 */
import { grpoLoop } from './grpo/grpo-loop';
import { loadTrainData, specialTokens } from './load-train-data';
import { Rng } from './rng';
import type { TrainConfig } from './train-config';
import type { DoneEvent, TrainHooks } from './train-events';
import type { TrainIo } from './train-io';
import { TrainRun } from './train-run';
import { planSteps } from './train-schedule';
import { validateTrainConfig } from './validate-config';

export { fingerprint } from './train-resume';

export async function trainLoop(cfg: TrainConfig, hooks: TrainHooks & { runId?: string }, io: TrainIo): Promise<DoneEvent> {
  validateTrainConfig(cfg);
  if (cfg.grpo) return grpoLoop(cfg, hooks, io);
  const runId = hooks.runId ?? cfg.name ?? 'run';
  io.prepareOut(cfg.out);
  // Set-up: the model and adapter, the data, the run's length and schedule, then any resumed state.
  const { engine, config: modelConfig, tokenizer } = await io.openEngine(cfg, Rng.derive(cfg.seed, 'init'));
  try {
    const tokens = specialTokens(modelConfig);
    const data = await loadTrainData(cfg, hooks, io, tokenizer, tokens);
    const steps = planSteps(cfg, data.kept);
    const run = new TrainRun({ cfg, hooks, io, engine, tokenizer, modelConfig, tokens, data, steps });
    if (cfg.resumeFrom) await run.resume(cfg.resumeFrom);
    run.emitStart(runId);
    await run.readSamplePrompts();

    // The loop: one optimiser step per group of gradAccum micro-batches, epoch after epoch. Eval and
    // samples follow the step that makes them due (nanoGPT evaluates at the top of that step's successor).
    let stopped = false;
    epochs: while (run.hasStepsLeft()) {
      const epoch = run.planCurrentEpoch();
      while (run.hasMicroLeft(epoch)) {
        if (await run.stopRequested()) {
          stopped = true;
          break epochs;
        }
        const lr = run.learningRate();
        const pass = await run.forwardBackward(epoch);
        const gradNorm = await run.clipAndStep(lr);
        const epochFloat = run.advance(epoch, pass);
        run.logStep(pass, lr, gradNorm, epochFloat);
        await run.evaluateAndSampleWhenDue();
        await run.checkpointWhenDue();
        if (run.state.cursor === 0) break; // the epoch is done: plan the next one from its data RNG state
      }
    }

    return stopped ? await run.finishStopped(runId) : await run.finishCompleted(runId);
  } finally {
    engine.dispose();
  }
}
