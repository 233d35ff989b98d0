/**
 * The state of one GRPO run's loop and the loop's steps as its methods, so that grpoLoop (grpo-loop.ts)
 * reads as its steps: the step's prompts, rollouts with their rewards and advantages (grpo-step.ts),
 * the policy update, the log, and the adapter checkpoint when due. The state is where the run is in its
 * seeded prompt order, and the losses and tokens so far.
 */
import { UserError, serializeError } from '../../errors';
import { clipScale } from '../../optim/clip-scale';
import { lrAt, type ScheduleOptions } from '../../optim/schedule';
import type { TextTokenizer } from '../../tokenizer/text-tokenizer';
import { Rng } from '../rng';
import type { TrainConfig } from '../train-config';
import type { TrainEngine } from '../train-engine';
import type { DoneEvent, TrainHooks } from '../train-events';
import type { TrainIo } from '../train-io';
import type { GrpoEngine } from './grpo-engine';
import { grpoStep, type GrpoPrompt, type GrpoStepResult } from './grpo-step';
import type { RewardFunction } from './rewards';

/** What the run is built from: the set-up steps' results. */
export interface GrpoRunParts {
  cfg: TrainConfig;
  hooks: TrainHooks;
  io: TrainIo;
  engine: TrainEngine;
  grpo: GrpoEngine;
  tokenizer: TextTokenizer;
  eosIds: number[];
  rewards: RewardFunction[];
  prompts: GrpoPrompt[];
  schedule: ScheduleOptions;
}

/** How many optimiser steps a GRPO run takes (--max-steps, or --epochs over its prompts) and its schedule. */
export function grpoSchedule(cfg: TrainConfig, promptCount: number): ScheduleOptions {
  const perStep = cfg.batchSize * cfg.gradAccum;
  const totalSteps = cfg.maxSteps ?? Math.max(1, Math.ceil((cfg.epochs * promptCount) / perStep));
  return {
    kind: cfg.scheduler,
    baseLr: cfg.lr,
    totalSteps,
    warmupSteps: cfg.warmupSteps,
    warmupRatio: cfg.warmupRatio,
    minLrRatio: cfg.lrMinRatio,
  };
}

export class GrpoRun {
  step = 0;
  private epoch = 0;
  private cursor = 0;
  private order: number[];
  private readonly losses: number[] = [];
  private tokensSeen = 0;
  private readonly dataRng: Rng;
  private readonly sampleRng: Rng;

  constructor(private readonly parts: GrpoRunParts) {
    this.dataRng = Rng.derive(parts.cfg.seed, 'data');
    this.sampleRng = Rng.derive(parts.cfg.seed, 'grpo-sampling');
    this.order = this.dataRng.permutation(parts.prompts.length);
  }

  hasStepsLeft(): boolean {
    return this.step < this.parts.schedule.totalSteps;
  }

  /** Waits while the user has paused the run; true when they asked it to stop. */
  async stopRequested(): Promise<boolean> {
    await this.parts.hooks.control?.waitWhilePaused?.();
    return this.parts.hooks.control?.shouldStop?.() ?? false;
  }

  /** The step's batchSize x gradAccum prompts, in a seeded order reshuffled at each epoch's end. */
  nextPrompts(): GrpoPrompt[] {
    const { cfg, prompts } = this.parts;
    const perStep = cfg.batchSize * cfg.gradAccum;
    const batch: GrpoPrompt[] = [];
    while (batch.length < perStep) {
      if (this.cursor >= this.order.length) {
        this.order = this.dataRng.permutation(prompts.length);
        this.cursor = 0;
        this.epoch++;
      }
      batch.push(prompts[this.order[this.cursor++]]);
    }
    return batch;
  }

  /** Rollouts, their rewards and advantages, and the policy gradient left in the engine (grpo-step.ts). */
  async rollOut(batch: GrpoPrompt[]): Promise<GrpoStepResult> {
    const { cfg, hooks, io, tokenizer } = this.parts;
    const g = cfg.grpo!;
    const reasons = new Map<string, { first: string; count: number }>();
    const res = await grpoStep(this.parts.grpo, batch, {
      groupSize: g.numGenerations,
      beta: g.beta,
      epsilon: g.epsilon,
      sampling: { maxNewTokens: g.maxNewTokens, temperature: g.temperature, topP: g.topP, topK: g.topK, eosIds: this.parts.eosIds },
      seed: this.sampleRng.nextUint32(),
      decode: (ids) => tokenizer.decode(ids, { skipSpecialTokens: true }),
      rewards: this.parts.rewards,
      onRewardError: (fn, why) => {
        const r = reasons.get(fn);
        if (r) r.count++;
        else reasons.set(fn, { first: why, count: 1 });
      },
      now: () => io.now(),
      breathe: hooks.control?.breathe,
    });
    // One line per failing reward function per step, not one per completion.
    for (const [fn, r] of reasons)
      hooks.emit({ type: 'log', level: 'warn', message: `reward ${fn} scored 0 on ${r.count} completion(s) at step ${this.step + 1}: ${r.first}` });
    return res;
  }

  failOnNan(res: GrpoStepResult): void {
    if (Number.isFinite(res.loss)) return;
    const err = new UserError(`the GRPO loss is NaN at step ${this.step + 1}; the run stopped`, { hint: 'lower --lr or --temperature', kind: 'nan' });
    this.parts.hooks.emit({ type: 'error', error: serializeError(err), step: this.step, lastCheckpoint: null });
    throw err;
  }

  /** Clips the gradients (a non-finite norm clips nothing) and takes the AdamW step; returns the norm and the lr. */
  async policyUpdate(): Promise<{ gradNorm: number; lr: number }> {
    const { cfg, engine } = this.parts;
    const gradNorm = await engine.gradNorm();
    const lr = lrAt(this.parts.schedule, this.step);
    await engine.applyStep(lr, clipScale(cfg.maxGradNorm, Number.isFinite(gradNorm) ? gradNorm : 0));
    this.step++;
    return { gradNorm, lr };
  }

  /** The step event, then the step's rewards and completions. */
  logStep(res: GrpoStepResult, { gradNorm, lr }: { gradNorm: number; lr: number }): void {
    const hooks = this.parts.hooks;
    this.losses.push(res.loss);
    this.tokensSeen += res.tokens;
    const seconds = Math.max(1e-9, (res.generationMs + res.trainMs) / 1000);
    hooks.emit({
      type: 'step',
      step: this.step,
      loss: res.loss,
      lr,
      gradNorm,
      tokensPerS: res.tokens / seconds,
      epoch: this.epoch + this.cursor / this.order.length,
      tokensSeen: this.tokensSeen,
    });
    const { samples, loss: _loss, tokens: _tokens, ...stats } = res;
    hooks.emit({
      type: 'rewards',
      step: this.step,
      ...stats,
      completions: samples.map(({ prompt, completion, reward, parts, advantage }) => ({ prompt, completion, reward, parts, advantage })),
    });
  }

  /** checkpoint-N every --save-every steps: the adapter only (a GRPO run does not resume yet). */
  async checkpointWhenDue(): Promise<void> {
    const { cfg, io, hooks } = this.parts;
    if (cfg.saveEvery > 0 && this.step % cfg.saveEvery === 0) {
      const dir = io.join(cfg.out, `checkpoint-${this.step}`);
      hooks.emit({ type: 'checkpoint', step: this.step, path: dir, bytes: await this.writeAdapter(dir, true) });
    }
  }

  /** The adapter into --out, whether the run completed or was stopped, then the done event. */
  async finish(runId: string, stopped: boolean): Promise<DoneEvent> {
    const { cfg, engine } = this.parts;
    await this.writeAdapter(cfg.out, false);
    const done: DoneEvent = {
      type: 'done',
      runId,
      reason: stopped ? 'stopped' : 'completed',
      step: this.step,
      adapter: cfg.out,
      losses: this.losses,
      peakMemoryBytes: engine.peakBytes(),
    };
    this.parts.hooks.emit(done);
    return done;
  }

  private async writeAdapter(dir: string, folder: boolean): Promise<number> {
    const { cfg, io, engine } = this.parts;
    const files = await engine.adapterFiles(cfg.model);
    return folder ? io.writeFolderAtomic(dir, files) : io.writeFilesAtomic(dir, files);
  }
}
