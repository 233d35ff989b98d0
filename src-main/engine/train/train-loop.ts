/**
 * The training loop (fs-free; I/O through TrainIo): load, label and split the data, build or load the
 * adapter, then for each optimiser step run the accumulation group's micro-batches, clip, schedule,
 * AdamW-update and report; evaluate, sample and checkpoint on their cadences; stop on a NaN loss with
 * the step and the last good checkpoint; write the final PEFT adapter into --out.
 * Determinism: data order, dropout and init each draw from their own seeded stream, and a checkpoint
 * stores every piece of state, so a resumed run repeats an uninterrupted one bit for bit on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError, serializeError } from '../../errors';
import { serializeSafetensors } from '../io/safetensors';
import type { CausalLM } from '../models/causal-lm';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import { AdamW } from '../optim/adamw';
import { clipByGlobalNorm, globalNorm } from '../optim/clip';
import { lrAt, type ScheduleOptions } from '../optim/schedule';
import { adapterFiles, adapterForwardOptions, countParams, disposeAdapter, trainableParams, type AdapterUnderTraining } from './adapter-under-training';
import { collate, prepareExamples } from './batching';
import { optimizerStateFrom, optimizerTensors, parseTrainerState, TRAINER_STATE_VERSION, type TrainerState } from './checkpoint-state';
import { generateAsync } from '../generate/generate';
import { tensorsOf } from './peft-files';
import { createLora, loraFromLoaded } from './lora-params';
import { createPrefix } from './prefix-tuning';
import { Rng } from './rng';
import { evalLossAsync, lossAndGradsAsync } from './step';
import type { TrainConfig } from './train-config';
import { evalBatches, labelExamples, planEpoch, prepareOrFail, splitValidation, withSystem } from './train-data';
import type { DoneEvent, TrainHooks } from './train-events';
import { runMemoryEstimate } from './memory-estimate';
import { MemoryWatermark } from '../planner/peak-memory';
import type { TrainIo } from './train-io';
import { validateTrainConfig } from './validate-config';

export function fingerprint(cfg: TrainConfig): string {
  const keys: (keyof TrainConfig)[] = ['method', 'loraR', 'loraAlpha', 'loraTargets', 'useRslora', 'prefixLen', 'prefixProjection', 'lr', 'scheduler', 'warmupSteps', 'warmupRatio', 'weightDecay', 'maxGradNorm', 'epochs', 'maxSteps', 'batchSize', 'gradAccum', 'maxLen', 'packing', 'lossOn', 'seed', 'valSplit', 'loraDropout'];
  return JSON.stringify(keys.map((k) => cfg[k] ?? null));
}

function buildAdapter(cfg: TrainConfig, model: CausalLM, initRng: Rng, init?: Awaited<ReturnType<TrainIo['loadLoraAdapter']>>): AdapterUnderTraining {
  if (cfg.method === 'ptuning') {
    return { method: 'ptuning', prefix: createPrefix(model.config, { numVirtualTokens: cfg.prefixLen, projection: cfg.prefixProjection, encoderHidden: cfg.prefixHidden ?? model.config.hiddenSize }, initRng) };
  }
  if (init) {
    return { method: 'lora', lora: loraFromLoaded(init.set, cfg.loraDropout), spec: { r: init.config.r, alpha: init.config.alpha, dropout: cfg.loraDropout, useRslora: init.config.useRslora } };
  }
  const spec = { r: cfg.loraR, alpha: cfg.loraAlpha, dropout: cfg.loraDropout, useRslora: cfg.useRslora };
  return { method: 'lora', lora: createLora(model.config, { ...spec, targets: cfg.loraTargets }, initRng), spec };
}

function samplePromptIds(tok: TextTokenizer, prompt: string, system: string | undefined): number[] {
  return tok.encode(tok.renderChat(withSystem([{ role: 'user', content: prompt }], system), { addGenerationPrompt: true }));
}

export async function trainLoop(cfg: TrainConfig, hooks: TrainHooks & { runId?: string }, io: TrainIo): Promise<DoneEvent> {
  validateTrainConfig(cfg);
  const runId = hooks.runId ?? cfg.name ?? 'run';
  io.prepareOut(cfg.out);
  const { model, tokenizer } = await io.loadModel(cfg.model);
  let adapter: AdapterUnderTraining | undefined;
  let opt: AdamW | undefined;
  let step = 0;
  let lastCheckpoint: string | null = null;
  let watermark: MemoryWatermark | undefined;
  try {
    const eosIds = model.config.eosTokenIds;
    const padId = model.config.padTokenId ?? eosIds[0] ?? 0;
    const labelOpts = { lossOn: cfg.lossOn, system: cfg.system, eosId: eosIds[0] };
    const data = await io.readExamples(cfg.data, cfg.format, cfg.map);
    if (data.skipped.length) hooks.emit({ type: 'log', level: 'warn', message: `${data.skipped.length} record(s) of ${cfg.data} skipped (first: line ${data.skipped[0].line}: ${data.skipped[0].reason})` });
    const labelled = labelExamples(tokenizer, data.examples, labelOpts, cfg.data);
    // Split indices, so reports name examples by their position in the data file.
    const split = splitValidation(labelled.map((_, i) => i), cfg.valData ? 0 : cfg.valSplit, cfg.seed);
    const train = split.train.map((i) => labelled[i]);
    const val = cfg.valData ? labelExamples(tokenizer, (await io.readExamples(cfg.valData, cfg.format, cfg.map)).examples, labelOpts, cfg.valData) : split.val.map((i) => labelled[i]);
    const report = prepareOrFail(train, cfg.maxLen, cfg.data);
    report.tooLong = report.tooLong.map((k) => split.train[k]);
    if (report.tooLong.length) {
      const list = report.tooLong.slice(0, 10).map((i) => `#${i + 1}`).join(', ');
      hooks.emit({ type: 'log', level: 'warn', message: `${report.tooLong.length} example(s) longer than --max-len ${cfg.maxLen} with no room for the answer were skipped (${list}${report.tooLong.length > 10 ? ', ...' : ''})` });
    }
    const valPrepared = prepareExamples(val, cfg.maxLen).kept;
    if (val.length && !valPrepared.length) hooks.emit({ type: 'log', level: 'warn', message: `no validation example fits in --max-len ${cfg.maxLen}; no eval loss will be reported` });
    const valBatches = evalBatches(valPrepared, cfg.batchSize, padId);

    const init = cfg.initAdapter ? await io.loadLoraAdapter(cfg.initAdapter, model) : undefined;
    adapter = buildAdapter(cfg, model, Rng.derive(cfg.seed, 'init'), init);
    const params = trainableParams(adapter);
    opt = new AdamW(params, { weightDecay: cfg.weightDecay });

    const planOpts = { batchSize: cfg.batchSize, packing: cfg.packing, maxLen: cfg.maxLen };
    const firstEpochRng = Rng.derive(cfg.seed, 'data').getState();
    const microPerEpoch = planEpoch(report.kept, firstEpochRng, planOpts).micro.length;
    const stepsPerEpoch = Math.ceil(microPerEpoch / cfg.gradAccum);
    const totalSteps = cfg.maxSteps ?? cfg.epochs * stepsPerEpoch;
    const maxEpochs = cfg.maxSteps !== undefined ? Infinity : cfg.epochs;
    const schedule: ScheduleOptions = { kind: cfg.scheduler, baseLr: cfg.lr, totalSteps, warmupSteps: cfg.warmupSteps, warmupRatio: cfg.warmupRatio };
    const dropoutRng = Rng.derive(cfg.seed, 'dropout');
    let state: Omit<TrainerState, 'dropoutRng'> = { version: TRAINER_STATE_VERSION, step: 0, epoch: 0, cursor: 0, epochRng: firstEpochRng, schedule, losses: [], tokensSeen: 0, fingerprint: fingerprint(cfg) };

    if (cfg.resumeFrom) {
      const ck = await io.readCheckpoint(cfg.resumeFrom);
      const saved = parseTrainerState(ck.trainerState, io.join(cfg.resumeFrom, 'trainer_state.json'));
      if (saved.fingerprint !== state.fingerprint) {
        throw new UserError('the checkpoint was written by a run with different settings', { where: cfg.resumeFrom, hint: 'resume with the same flags the run was started with' });
      }
      for (const [name, v] of params) {
        const t = ck.params.get(name);
        if (!t) throw new UserError(`checkpoint has no tensor ${name}`, { where: cfg.resumeFrom });
        tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
      }
      opt.setState(optimizerStateFrom(saved.step, ck.optimizer, [...params.keys()], cfg.resumeFrom));
      dropoutRng.setState(saved.dropoutRng);
      state = { ...saved };
      step = saved.step;
      lastCheckpoint = cfg.resumeFrom;
    }

    // From here on every tensor buffer is counted: the run's measured peak, reported with `done`.
    watermark = new MemoryWatermark();
    const memoryEstimate = runMemoryEstimate(cfg, model.config, report.kept, tf.getBackend());
    hooks.emit({
      type: 'start',
      runId,
      method: cfg.method,
      totalSteps,
      fromStep: step,
      examples: report.kept.length,
      valExamples: valPrepared.length,
      tooLong: report.tooLong,
      truncated: report.truncated,
      trainableParams: countParams(adapter),
      ...(memoryEstimate ? { memoryEstimate } : {}),
    });

    const prompts = cfg.samplePrompts ? await io.readSamplePrompts(cfg.samplePrompts) : [];
    const a = adapter;
    const runEval = async () => {
      if (!valBatches.length) return;
      // Forward only, one batch per micro-batch of a step: at most valBatches / gradAccum steps' worth.
      hooks.control?.announce?.({ phase: 'eval', stepsWorth: valBatches.length / cfg.gradAccum });
      const { sum, count } = await evalLossAsync(model, a, valBatches, hooks.control?.breathe);
      hooks.emit({ type: 'eval', step, loss: sum / Math.max(1, count), examples: valPrepared.length });
    };
    const runSamples = async () => {
      for (const [promptIdx, prompt] of prompts.entries()) {
        await hooks.control?.breathe?.();
        const ids = samplePromptIds(tokenizer, prompt, cfg.system);
        const fo = adapterForwardOptions(a, model.config, 1);
        let out: number[];
        try {
          out = (await generateAsync(model, ids, { adapters: fo.adapters, prefix: fo.prefix, maxNewTokens: cfg.sampleMaxNewTokens, sampling: { greedy: true }, eosTokenIds: eosIds })).ids;
        } finally {
          fo.release();
        }
        hooks.emit({ type: 'sample', step, promptIdx, prompt, output: tokenizer.decode(out, { skipSpecialTokens: true }) });
      }
    };
    const writeCheckpoint = async (): Promise<string> => {
      const dir = io.join(cfg.out, `checkpoint-${step}`);
      const shapes = new Map([...params].map(([k, v]) => [k, v.shape]));
      const full: TrainerState = { ...state, step, dropoutRng: dropoutRng.getState() };
      const files = {
        ...(await adapterFiles(a, model.config, cfg.model)),
        'params.safetensors': serializeSafetensors(await tensorsOf(params)),
        'optimizer.safetensors': serializeSafetensors(optimizerTensors(await opt!.getState(), shapes)),
        'trainer_state.json': JSON.stringify(full, null, 1) + '\n',
      };
      const bytes = io.writeFolderAtomic(dir, files);
      lastCheckpoint = dir;
      hooks.emit({ type: 'checkpoint', step, path: dir, bytes });
      return dir;
    };
    const failNan = (what: string): never => {
      const last = lastCheckpoint ? `last good checkpoint: ${lastCheckpoint}` : 'no checkpoint was written before it';
      const err = new UserError(`${what} is NaN at step ${step + 1}; the run stopped; ${last}`, {
        hint: 'lower --lr, keep --max-grad-norm on, or check the data',
        kind: 'nan',
      });
      hooks.emit({ type: 'error', error: serializeError(err), step, lastCheckpoint });
      throw err;
    };

    let stopped = false;
    outer: while (step < totalSteps && state.epoch < maxEpochs) {
      const plan = planEpoch(report.kept, state.epochRng, planOpts);
      while (state.cursor < plan.micro.length && step < totalSteps) {
        await hooks.control?.waitWhilePaused?.();
        if (hooks.control?.shouldStop?.()) {
          stopped = true;
          break outer;
        }
        const group = plan.micro.slice(state.cursor, state.cursor + cfg.gradAccum);
        const seeds = group.map(() => dropoutRng.nextUint32() >>> 1);
        const batches = group.map((rows) => collate(rows, padId, cfg.packing));
        const t0 = io.now();
        const res = await lossAndGradsAsync(model, a, batches, seeds, cfg.gradientCheckpointing);
        let grads = res.grads;
        try {
          if (!Number.isFinite(res.loss)) failNan('the training loss');
          const norm = await globalNorm(grads);
          if (!Number.isFinite(norm)) failNan('the gradient norm');
          const clipped = clipByGlobalNorm(grads, cfg.maxGradNorm, norm);
          if (clipped.clipped) {
            for (const g of Object.values(grads)) g.dispose();
            grads = clipped.grads;
          }
          const lr = lrAt(schedule, step);
          opt.apply(grads, lr);
          step++;
          state.cursor += group.length;
          state.losses.push(res.loss);
          state.tokensSeen += res.tokens;
          const epochFloat = state.epoch + state.cursor / plan.micro.length;
          if (state.cursor >= plan.micro.length) {
            state.epoch++;
            state.cursor = 0;
            state.epochRng = plan.next;
          }
          const seconds = Math.max(1e-9, (io.now() - t0) / 1000);
          hooks.emit({ type: 'step', step, loss: res.loss, lr, gradNorm: norm, tokensPerS: res.tokens / seconds, epoch: epochFloat, tokensSeen: state.tokensSeen });
        } finally {
          for (const g of Object.values(grads)) g.dispose();
        }
        if (cfg.evalEvery > 0 && step % cfg.evalEvery === 0) await runEval();
        const sampleNow = hooks.control?.takeSampleRequest?.() ?? false;
        if ((cfg.sampleEvery > 0 && step % cfg.sampleEvery === 0) || sampleNow) await runSamples();
        if (cfg.saveEvery > 0 && step % cfg.saveEvery === 0) await writeCheckpoint();
        if (state.cursor === 0) continue outer;
      }
    }

    if (stopped) {
      const dir = lastCheckpoint && lastCheckpoint.endsWith(`checkpoint-${step}`) ? lastCheckpoint : await writeCheckpoint();
      const done: DoneEvent = { type: 'done', runId, reason: 'stopped', step, adapter: dir, losses: state.losses, peakMemoryBytes: watermark.read().bufferBytes };
      hooks.emit(done);
      return done;
    }
    if (valBatches.length && (cfg.evalEvery === 0 || step % cfg.evalEvery !== 0)) await runEval();
    if (prompts.length && (cfg.sampleEvery === 0 || step % cfg.sampleEvery !== 0)) await runSamples();
    io.writeFilesAtomic(cfg.out, await adapterFiles(a, model.config, cfg.model));
    const done: DoneEvent = { type: 'done', runId, reason: 'completed', step, adapter: cfg.out, losses: state.losses, peakMemoryBytes: watermark.read().bufferBytes };
    hooks.emit(done);
    return done;
  } finally {
    watermark?.stop();
    opt?.dispose();
    if (adapter) disposeAdapter(adapter);
    model.dispose();
  }
}
