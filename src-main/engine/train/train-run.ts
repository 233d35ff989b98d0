/**
 * The state of one training run's loop and the loop's steps as its methods, so that trainLoop
 * (train-loop.ts) reads as the steps in nanoGPT's train.py order: learning rate, forward + backward over
 * the accumulation group, clip and optimiser step, log, then eval, samples and checkpoint when due.
 * The state here is what a checkpoint stores (checkpoint-state.ts) plus the step and the last
 * checkpoint written, which the NaN error and the stop names.
 */
import type { ModelConfig } from '../config/model-config';
import { UserError, serializeError } from '../errors';
import { serializeSafetensors } from '../io/safetensors';
import { clipScale } from '../optim/clip-scale';
import { lrAt } from '../optim/schedule';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import { collate } from './batching';
import { optimizerTensors, type TrainerState } from './checkpoint-state';
import type { SpecialTokens, TrainData } from './load-train-data';
import { runMemoryEstimate } from './memory-estimate';
import { Rng } from './rng';
import type { TrainConfig } from './train-config';
import { planEpoch, withSystem, type EpochPlan } from './train-data';
import type { TrainEngine } from './train-engine';
import type { DoneEvent, TrainHooks } from './train-events';
import type { TrainIo } from './train-io';
import { freshLoopState, restoreCheckpoint, type LoopState } from './train-resume';
import type { StepPlan } from './train-schedule';

/** What the run is built from: the set-up steps' results. */
export interface TrainRunParts {
  cfg: TrainConfig;
  hooks: TrainHooks;
  io: TrainIo;
  engine: TrainEngine;
  tokenizer: TextTokenizer;
  modelConfig: ModelConfig;
  tokens: SpecialTokens;
  data: TrainData;
  steps: StepPlan;
}

/** One optimiser step's forward and backward: how many micro-batches it took, and what it measured. */
export interface StepPass {
  micro: number;
  loss: number;
  tokens: number;
  /** io.now() before the forward, for tokens/s. */
  t0: number;
}

function samplePromptIds(tok: TextTokenizer, prompt: string, system: string | undefined): number[] {
  return tok.encode(tok.renderChat(withSystem([{ role: 'user', content: prompt }], system), { addGenerationPrompt: true }));
}

export class TrainRun {
  /** Optimiser steps taken (the trainer state's own `step` is only the resumed-from one). */
  step = 0;
  lastCheckpoint: string | null = null;
  state: LoopState;
  prompts: string[] = [];
  private readonly dropoutRng: Rng;

  constructor(private readonly parts: TrainRunParts) {
    this.dropoutRng = Rng.derive(parts.cfg.seed, 'dropout');
    this.state = freshLoopState(parts.cfg, parts.steps.firstEpochRng, parts.steps.schedule);
  }

  /** Continues from checkpoint `dir`: the engine's tensors, the data position, the RNGs and the losses. */
  async resume(dir: string): Promise<void> {
    const saved = await restoreCheckpoint(dir, this.parts.io, this.parts.engine, this.state.fingerprint);
    this.dropoutRng.setState(saved.dropoutRng);
    this.state = { ...saved };
    this.step = saved.step;
    this.lastCheckpoint = dir;
  }

  emitStart(runId: string): void {
    const { cfg, engine, data } = this.parts;
    // The memory planner's figure (the wizard's model), so every run checks it against the measured peak.
    const memoryEstimate = runMemoryEstimate(cfg, this.parts.modelConfig, data.kept, engine.label, engine.frozenType);
    this.parts.hooks.emit({
      type: 'start',
      runId,
      method: cfg.method,
      totalSteps: this.parts.steps.totalSteps,
      fromStep: this.step,
      examples: data.kept.length,
      valExamples: data.valExamples,
      tooLong: data.tooLong,
      truncated: data.truncated,
      trainableParams: engine.countParams(),
      ...(memoryEstimate ? { memoryEstimate } : {}),
    });
  }

  async readSamplePrompts(): Promise<void> {
    const file = this.parts.cfg.samplePrompts;
    this.prompts = file ? await this.parts.io.readSamplePrompts(file) : [];
  }

  /** Whether another step is due: steps left, and (without --max-steps) epochs left. */
  hasStepsLeft(): boolean {
    return this.step < this.parts.steps.totalSteps && this.state.epoch < this.parts.steps.maxEpochs;
  }

  /** The shuffled micro-batches of the epoch the run is in (from that epoch's stored data RNG state). */
  planCurrentEpoch(): EpochPlan {
    return planEpoch(this.parts.data.kept, this.state.epochRng, this.parts.steps.planOpts);
  }

  /** Whether the epoch has micro-batches left and the run has steps left. */
  hasMicroLeft(epoch: EpochPlan): boolean {
    return this.state.cursor < epoch.micro.length && this.step < this.parts.steps.totalSteps;
  }

  /** Waits while the user has paused the run; true when they asked it to stop. */
  async stopRequested(): Promise<boolean> {
    await this.parts.hooks.control?.waitWhilePaused?.();
    return this.parts.hooks.control?.shouldStop?.() ?? false;
  }

  learningRate(): number {
    return lrAt(this.parts.steps.schedule, this.step);
  }

  /** Forward and backward over the next gradAccum micro-batches; the engine sums their gradients. */
  async forwardBackward(epoch: EpochPlan): Promise<StepPass> {
    const { cfg, engine } = this.parts;
    const group = epoch.micro.slice(this.state.cursor, this.state.cursor + cfg.gradAccum);
    const seeds = group.map(() => this.dropoutRng.nextUint32() >>> 1);
    const batches = group.map((rows) => collate(rows, this.parts.tokens.padId, cfg.packing));
    const t0 = this.parts.io.now();
    const res = await engine.lossAndGrads(batches, seeds, cfg.gradientCheckpointing);
    if (!Number.isFinite(res.loss)) this.failNan('the training loss');
    return { micro: group.length, loss: res.loss, tokens: res.tokens, t0 };
  }

  /** Clips the gradients to --max-grad-norm and takes the AdamW step at `lr`; returns the norm before clipping. */
  async clipAndStep(lr: number): Promise<number> {
    const { cfg, engine } = this.parts;
    const norm = await engine.gradNorm();
    if (!Number.isFinite(norm)) this.failNan('the gradient norm');
    await engine.applyStep(lr, clipScale(cfg.maxGradNorm, norm));
    this.step++;
    return norm;
  }

  /** Moves past the step's micro-batches (into the next epoch after the last); returns the fractional epoch reached. */
  advance(epoch: EpochPlan, pass: StepPass): number {
    const state = this.state;
    state.cursor += pass.micro;
    state.losses.push(pass.loss);
    state.tokensSeen += pass.tokens;
    const epochFloat = state.epoch + state.cursor / epoch.micro.length;
    if (state.cursor >= epoch.micro.length) {
      state.epoch++;
      state.cursor = 0;
      state.epochRng = epoch.next;
    }
    return epochFloat;
  }

  logStep(pass: StepPass, lr: number, gradNorm: number, epochFloat: number): void {
    const seconds = Math.max(1e-9, (this.parts.io.now() - pass.t0) / 1000);
    this.parts.hooks.emit({
      type: 'step',
      step: this.step,
      loss: pass.loss,
      lr,
      gradNorm,
      tokensPerS: pass.tokens / seconds,
      epoch: epochFloat,
      tokensSeen: this.state.tokensSeen,
    });
  }

  /** Eval loss and samples on their cadences, and samples the user asked for since the last step. */
  async evaluateAndSampleWhenDue(): Promise<void> {
    const { cfg, hooks } = this.parts;
    if (cfg.evalEvery > 0 && this.step % cfg.evalEvery === 0) await this.evaluate();
    const sampleNow = hooks.control?.takeSampleRequest?.() ?? false;
    if ((cfg.sampleEvery > 0 && this.step % cfg.sampleEvery === 0) || sampleNow) await this.sample();
  }

  async checkpointWhenDue(): Promise<void> {
    const cfg = this.parts.cfg;
    if (cfg.saveEvery > 0 && this.step % cfg.saveEvery === 0) await this.writeCheckpoint();
  }

  async evaluate(): Promise<void> {
    const { cfg, hooks, engine, data } = this.parts;
    if (!data.valBatches.length) return;
    // Forward only, one batch per micro-batch of a step: at most valBatches / gradAccum steps' worth.
    hooks.control?.announce?.({ phase: 'eval', stepsWorth: data.valBatches.length / cfg.gradAccum });
    const { sum, count } = await engine.evalLoss(data.valBatches, hooks.control?.breathe);
    hooks.emit({ type: 'eval', step: this.step, loss: sum / Math.max(1, count), examples: data.valExamples });
  }

  async sample(): Promise<void> {
    const { cfg, hooks, engine, tokenizer } = this.parts;
    for (const [promptIdx, prompt] of this.prompts.entries()) {
      await hooks.control?.breathe?.();
      const ids = samplePromptIds(tokenizer, prompt, cfg.system);
      const out = await engine.sample(ids, cfg.sampleMaxNewTokens, this.parts.tokens.eosIds);
      hooks.emit({ type: 'sample', step: this.step, promptIdx, prompt, output: tokenizer.decode(out, { skipSpecialTokens: true }) });
    }
  }

  /** checkpoint-N: the adapter, the trainable tensors, the optimiser moments and the trainer state. */
  async writeCheckpoint(): Promise<string> {
    const { cfg, io, engine } = this.parts;
    const dir = io.join(cfg.out, `checkpoint-${this.step}`);
    const full: TrainerState = { ...this.state, step: this.step, dropoutRng: this.dropoutRng.getState() };
    const params = [...(await engine.readParams())].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
    const files = {
      ...(await engine.adapterFiles(cfg.model)),
      'params.safetensors': serializeSafetensors(params),
      'optimizer.safetensors': serializeSafetensors(optimizerTensors(await engine.optimizerState(), engine.paramShapes)),
      'trainer_state.json': JSON.stringify(full, null, 1) + '\n',
    };
    const bytes = io.writeFolderAtomic(dir, files);
    this.lastCheckpoint = dir;
    this.parts.hooks.emit({ type: 'checkpoint', step: this.step, path: dir, bytes });
    return dir;
  }

  /** Stops the run on a NaN, naming the step and the checkpoint to go back to. */
  failNan(what: string): never {
    const last = this.lastCheckpoint ? `last good checkpoint: ${this.lastCheckpoint}` : 'no checkpoint was written before it';
    const err = new UserError(`${what} is NaN at step ${this.step + 1}; the run stopped; ${last}`, {
      hint: 'lower --lr, keep --max-grad-norm on, or check the data',
      kind: 'nan',
    });
    this.parts.hooks.emit({ type: 'error', error: serializeError(err), step: this.step, lastCheckpoint: this.lastCheckpoint });
    throw err;
  }

  /** On stop: the checkpoint of this step (written now unless the cadence just wrote it) is the adapter. */
  async finishStopped(runId: string): Promise<DoneEvent> {
    const last = this.lastCheckpoint;
    const dir = last && last.endsWith(`checkpoint-${this.step}`) ? last : await this.writeCheckpoint();
    return this.emitDone({
      type: 'done',
      runId,
      reason: 'stopped',
      step: this.step,
      adapter: dir,
      losses: this.state.losses,
      peakMemoryBytes: this.parts.engine.peakBytes(),
    });
  }

  /** On completion: eval and samples of the final step (unless their cadence just ran them), then the adapter in --out. */
  async finishCompleted(runId: string): Promise<DoneEvent> {
    const { cfg, io, engine, data } = this.parts;
    if (data.valBatches.length && (cfg.evalEvery === 0 || this.step % cfg.evalEvery !== 0)) await this.evaluate();
    if (this.prompts.length && (cfg.sampleEvery === 0 || this.step % cfg.sampleEvery !== 0)) await this.sample();
    io.writeFilesAtomic(cfg.out, await engine.adapterFiles(cfg.model));
    return this.emitDone({
      type: 'done',
      runId,
      reason: 'completed',
      step: this.step,
      adapter: cfg.out,
      losses: this.state.losses,
      peakMemoryBytes: engine.peakBytes(),
    });
  }

  private emitDone(done: DoneEvent): DoneEvent {
    this.parts.hooks.emit(done);
    return done;
  }
}
