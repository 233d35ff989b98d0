/**
 * TEST DOUBLE — not a trainer. A deterministic stand-in for the real training loop that speaks the real
 * worker protocol through the real worker runtime (../workers/worker-runtime.ts), so supervisor, store,
 * crash and resume behaviour can be tested in milliseconds without a model.
 *
 * Its "model" is a vector of 4 doubles updated by a seeded pseudo-gradient; the data order comes from a
 * seeded RNG whose state is saved in every checkpoint, so a resumed run reproduces an uninterrupted one
 * bit for bit, as the real loop must. Checkpoints are written atomically (temp folder, then rename).
 * Config knobs let tests make it slow, fail with a given error kind, hang, or die mid-run.
 */
import { manifestOf } from '../engine-node/checkpoint-manifest';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import type { ErrorKind } from '../errors';
import type { StartCommand } from '../workers/protocol';
import type { TrainerBridge, WorkerControl, WorkerEmit } from '../workers/worker-runtime';

export interface TestDoubleConfig {
  outDir: string;
  maxSteps: number;
  seed: number;
  saveEvery?: number;
  evalEvery?: number;
  sampleEvery?: number;
  stepDelayMs?: number;
  /** Throw an error of this kind after this step. */
  failAtStep?: number;
  failKind?: ErrorKind;
  /** Block the event loop forever after this step (a hung GPU driver). */
  hangAtStep?: number;
  /** After this step, a long synchronous compute (a validation pass) of `longComputeMs`. */
  longComputeAtStep?: number;
  longComputeMs?: number;
  /** Announce it first (as `stepsWorth` training steps), as the real loop does before a validation pass. */
  longComputeStepsWorth?: number;
  /** Split it into this many synchronous parts with `control.breathe()` between them. */
  longComputeParts?: number;
  /** After each step, a GRPO rewards event (2 completions; the mean reward is the step / maxSteps). */
  rewards?: boolean;
  /** Never finish preparing (a long tokenize before the first step): no `started`, no step boundary. */
  prepareForever?: boolean;
}

/** Blocks this thread for `ms`, as a synchronous tensor computation does. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface State {
  step: number;
  w: number[];
  rng: number;
}

const next = (s: number): number => (Math.imul(s, 1664525) + 1013904223) >>> 0;

function stepOnce(st: State): { loss: number; gradNorm: number } {
  st.rng = next(st.rng);
  const x = (st.rng / 2 ** 32) * 2 - 1; // this step's "example"
  const grad = st.w.map((wi, i) => 2 * (wi - x * (i + 1) * 0.1));
  const gradNorm = Math.sqrt(grad.reduce((a, g) => a + g * g, 0));
  st.w = st.w.map((wi, i) => wi - 0.05 * grad[i]);
  const loss = st.w.reduce((a, wi, i) => a + (wi - x * (i + 1) * 0.1) ** 2, 0);
  st.step += 1;
  return { loss, gradNorm };
}

function writeAtomically(dir: string, files: Record<string, string>): void {
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

const adapterFiles = (st: State) => ({
  'adapter_config.json': JSON.stringify({ peft_type: 'TEST_DOUBLE', r: 4 }),
  'adapter_model.json': JSON.stringify(st.w),
});

/** The stand-in's own config guard (serveWorker checks it as the real worker checks a TrainConfig). */
export function isTestDoubleConfig(x: object): x is TestDoubleConfig {
  const c = x as Partial<TestDoubleConfig>;
  return typeof c.outDir === 'string' && typeof c.maxSteps === 'number' && typeof c.seed === 'number';
}

/** A fresh run's weights and data order from the seed, or the state a checkpoint saved. */
function initialState(start: StartCommand<TestDoubleConfig>): State {
  if (start.resumeFrom) return JSON.parse(readFileSync(join(start.resumeFrom, 'trainer_state.json'), 'utf8')) as State;
  let s = start.config.seed >>> 0;
  return { step: 0, w: [0, 0, 0, 0].map(() => ((s = next(s)), s / 2 ** 32)), rng: next(s) };
}

function emitStep(emit: WorkerEmit, cfg: TestDoubleConfig, st: State, loss: number, gradNorm: number): void {
  emit({
    type: 'step',
    step: st.step,
    loss,
    lr: 0.05,
    gradNorm,
    tokensPerS: 1000,
    epoch: st.step / cfg.maxSteps,
    tokensSeen: st.step * 16,
    ts: performance.timeOrigin + performance.now(),
  });
}

/** The GRPO rewards event of `rewards: true` (2 completions; the mean reward is the step / maxSteps). */
function emitRewards(emit: WorkerEmit, cfg: TestDoubleConfig, st: State): void {
  const r = st.step / cfg.maxSteps;
  const completions = [0, 1].map((i) => ({
    prompt: 'hi',
    completion: `answer ${i} at ${st.step}`,
    reward: i ? r : 0,
    parts: { format: i ? r : 0 },
    advantage: i ? 1 : -1,
  }));
  emit({
    type: 'rewards',
    step: st.step,
    meanReward: r / 2,
    rewardStd: r / 2,
    byFunction: { format: r / 2 },
    kl: 0.001 * st.step,
    completionLength: 3,
    correctFraction: null,
    clipFraction: 0,
    generationMs: 1,
    trainMs: 1,
    completions,
  });
}

/** `failAtStep`: throws what the real loop would for the configured error kind. */
function failIfAsked(cfg: TestDoubleConfig, st: State): void {
  if (cfg.failAtStep !== st.step) return;
  // What tfjs-cpu throws when a typed array cannot be allocated.
  if (cfg.failKind === 'oom') throw new RangeError('Array buffer allocation failed');
  if (cfg.failKind === 'nan')
    throw new UserError(`the loss became NaN at step ${st.step}`, { kind: 'nan', hint: 'lower --lr; the last good checkpoint is kept' });
  throw Object.assign(new Error(`test double failure (${cfg.failKind ?? 'internal'}) at step ${st.step}`), { name: 'TestDoubleError' });
}

/** `longComputeAtStep`: a blocking compute (announced, and split by `breathe()` when asked). */
async function longComputeIfAsked(cfg: TestDoubleConfig, st: State, control: WorkerControl): Promise<void> {
  if (cfg.longComputeAtStep !== st.step) return;
  if (cfg.longComputeStepsWorth) control.announce({ phase: 'eval', stepsWorth: cfg.longComputeStepsWorth });
  const parts = cfg.longComputeParts ?? 1;
  for (let i = 0; i < parts; i++) {
    blockFor((cfg.longComputeMs ?? 0) / parts);
    if (parts > 1) await control.breathe();
  }
}

export const testDoubleTrainer: TrainerBridge<TestDoubleConfig> = async (start, control, emit) => {
  const cfg = start.config;
  const st = initialState(start);
  if (cfg.prepareForever) await new Promise<never>(() => {});
  emit({
    type: 'started',
    runId: start.runId,
    totalSteps: cfg.maxSteps,
    fromStep: st.step,
    backend: start.backend ?? 'cpu',
    gpu: { adapter: 'test double' },
    info: null,
  });
  const checkpoint = (): void => {
    const dir = join(cfg.outDir, 'checkpoints', `checkpoint-${st.step}`);
    writeAtomically(dir, { ...adapterFiles(st), 'trainer_state.json': JSON.stringify(st) });
    emit({ type: 'checkpoint', step: st.step, path: dir, bytes: null, files: manifestOf(dir) });
  };
  const sample = (): void => emit({ type: 'sample', step: st.step, promptIdx: 0, prompt: 'hi', output: `w0=${st.w[0].toFixed(6)}` });

  while (st.step < cfg.maxSteps) {
    if (cfg.stepDelayMs) await new Promise((r) => setTimeout(r, cfg.stepDelayMs));
    const { loss, gradNorm } = stepOnce(st);
    emitStep(emit, cfg, st, loss, gradNorm);
    if (cfg.rewards) emitRewards(emit, cfg, st);
    if (cfg.evalEvery && st.step % cfg.evalEvery === 0) emit({ type: 'eval', step: st.step, loss: loss * 1.1, metrics: null });
    if ((cfg.sampleEvery && st.step % cfg.sampleEvery === 0) || control.takeSampleRequest()) sample();
    if (cfg.saveEvery && st.step % cfg.saveEvery === 0) checkpoint();
    failIfAsked(cfg, st);
    await longComputeIfAsked(cfg, st, control);
    if (cfg.hangAtStep === st.step) for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    if ((await control.betweenSteps(st.step)) === 'stop') {
      if (control.checkpointOnStop) checkpoint();
      const dir = join(cfg.outDir, 'checkpoints', `checkpoint-${st.step}`);
      return { reason: 'stopped', step: st.step, adapterPath: control.checkpointOnStop ? dir : null };
    }
  }
  sample();
  mkdirSync(cfg.outDir, { recursive: true });
  for (const [name, text] of Object.entries(adapterFiles(st))) writeFileSync(join(cfg.outDir, name), text);
  return { reason: 'completed', step: st.step, adapterPath: cfg.outDir };
};
