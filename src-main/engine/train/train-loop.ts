/**
 * The training loop (fs-free; I/O through TrainIo): load, label and split the data, build or load the
 * adapter, then for each optimiser step run the accumulation group's micro-batches, clip, schedule,
 * AdamW-update and report; evaluate, sample and checkpoint on their cadences; stop on a NaN loss with
 * the step and the last good checkpoint; write the final PEFT adapter into --out.
 * Determinism: data order, dropout and init each draw from their own seeded stream, and a checkpoint
 * stores every piece of state, so a resumed run repeats an uninterrupted one bit for bit on cpu.
 */
import { UserError, serializeError } from '../errors';
import { serializeSafetensors } from '../io/safetensors';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import { clipScale } from '../optim/clip-scale';
import { lrAt, type ScheduleOptions } from '../optim/schedule';
import { collate, prepareExamples } from './batching';
import { optimizerStateFrom, optimizerTensors, parseTrainerState, TRAINER_STATE_VERSION, type TrainerState } from './checkpoint-state';
import { Rng } from './rng';
import type { TrainConfig } from './train-config';
import { evalBatches, labelExamples, planEpoch, prepareOrFail, splitValidation, withSystem } from './train-data';
import type { DoneEvent, TrainHooks } from './train-events';
import { runMemoryEstimate } from './memory-estimate';
import type { TrainIo } from './train-io';
import { validateTrainConfig } from './validate-config';
import { grpoLoop } from './grpo/grpo-loop';

export function fingerprint(cfg: TrainConfig): string {
  const keys: (keyof TrainConfig)[] = [
    'method',
    'loraR',
    'loraAlpha',
    'loraTargets',
    'useRslora',
    'prefixLen',
    'prefixProjection',
    'lr',
    'scheduler',
    'warmupSteps',
    'warmupRatio',
    'weightDecay',
    'maxGradNorm',
    'epochs',
    'maxSteps',
    'batchSize',
    'gradAccum',
    'maxLen',
    'packing',
    'lossOn',
    'seed',
    'valSplit',
    'loraDropout',
  ];
  return JSON.stringify(keys.map((k) => cfg[k] ?? null));
}

function samplePromptIds(tok: TextTokenizer, prompt: string, system: string | undefined): number[] {
  return tok.encode(tok.renderChat(withSystem([{ role: 'user', content: prompt }], system), { addGenerationPrompt: true }));
}

export async function trainLoop(cfg: TrainConfig, hooks: TrainHooks & { runId?: string }, io: TrainIo): Promise<DoneEvent> {
  validateTrainConfig(cfg);
  if (cfg.grpo) return grpoLoop(cfg, hooks, io);
  const runId = hooks.runId ?? cfg.name ?? 'run';
  io.prepareOut(cfg.out);
  const { engine, config: modelConfig, tokenizer } = await io.openEngine(cfg, Rng.derive(cfg.seed, 'init'));
  let step = 0;
  let lastCheckpoint: string | null = null;
  try {
    const eosIds = modelConfig.eosTokenIds;
    const padId = modelConfig.padTokenId ?? eosIds[0] ?? 0;
    const labelOpts = { lossOn: cfg.lossOn, system: cfg.system, eosId: eosIds[0] };
    const data = await io.readExamples(cfg.data, cfg.format, cfg.map, cfg.dataset);
    if (data.skipped.length)
      hooks.emit({
        type: 'log',
        level: 'warn',
        message: `${data.skipped.length} record(s) of ${cfg.data} skipped (first: line ${data.skipped[0].line}: ${data.skipped[0].reason})`,
      });
    const labelled = labelExamples(tokenizer, data.examples, labelOpts, cfg.data);
    // Split indices, so reports name examples by their position in the data file.
    const split = splitValidation(
      labelled.map((_, i) => i),
      cfg.valData ? 0 : cfg.valSplit,
      cfg.seed,
    );
    const train = split.train.map((i) => labelled[i]);
    const val = cfg.valData
      ? labelExamples(tokenizer, (await io.readExamples(cfg.valData, cfg.format, cfg.map)).examples, labelOpts, cfg.valData)
      : split.val.map((i) => labelled[i]);
    const report = prepareOrFail(train, cfg.maxLen, cfg.data);
    report.tooLong = report.tooLong.map((k) => split.train[k]);
    if (report.tooLong.length) {
      const list = report.tooLong
        .slice(0, 10)
        .map((i) => `#${i + 1}`)
        .join(', ');
      hooks.emit({
        type: 'log',
        level: 'warn',
        message: `${report.tooLong.length} example(s) longer than --max-len ${cfg.maxLen} with no room for the answer were skipped (${list}${report.tooLong.length > 10 ? ', ...' : ''})`,
      });
    }
    const valPrepared = prepareExamples(val, cfg.maxLen).kept;
    if (val.length && !valPrepared.length)
      hooks.emit({ type: 'log', level: 'warn', message: `no validation example fits in --max-len ${cfg.maxLen}; no eval loss will be reported` });
    const valBatches = evalBatches(valPrepared, cfg.batchSize, padId);

    const planOpts = { batchSize: cfg.batchSize, packing: cfg.packing, maxLen: cfg.maxLen };
    const firstEpochRng = Rng.derive(cfg.seed, 'data').getState();
    const microPerEpoch = planEpoch(report.kept, firstEpochRng, planOpts).micro.length;
    const stepsPerEpoch = Math.ceil(microPerEpoch / cfg.gradAccum);
    const totalSteps = cfg.maxSteps ?? cfg.epochs * stepsPerEpoch;
    const maxEpochs = cfg.maxSteps !== undefined ? Infinity : cfg.epochs;
    const schedule: ScheduleOptions = {
      kind: cfg.scheduler,
      baseLr: cfg.lr,
      totalSteps,
      warmupSteps: cfg.warmupSteps,
      warmupRatio: cfg.warmupRatio,
      minLrRatio: cfg.lrMinRatio,
    };
    const dropoutRng = Rng.derive(cfg.seed, 'dropout');
    let state: Omit<TrainerState, 'dropoutRng'> = {
      version: TRAINER_STATE_VERSION,
      step: 0,
      epoch: 0,
      cursor: 0,
      epochRng: firstEpochRng,
      schedule,
      losses: [],
      tokensSeen: 0,
      fingerprint: fingerprint(cfg),
    };

    if (cfg.resumeFrom) {
      const ck = await io.readCheckpoint(cfg.resumeFrom);
      const saved = parseTrainerState(ck.trainerState, io.join(cfg.resumeFrom, 'trainer_state.json'));
      if (saved.fingerprint !== state.fingerprint) {
        throw new UserError('the checkpoint was written by a run with different settings', {
          where: cfg.resumeFrom,
          hint: 'resume with the same flags the run was started with',
        });
      }
      for (const name of engine.paramShapes.keys()) {
        if (!ck.params.get(name)) throw new UserError(`checkpoint has no tensor ${name}`, { where: cfg.resumeFrom });
      }
      engine.restore(ck.params, optimizerStateFrom(saved.step, ck.optimizer, [...engine.paramShapes.keys()], cfg.resumeFrom), cfg.resumeFrom);
      dropoutRng.setState(saved.dropoutRng);
      state = { ...saved };
      step = saved.step;
      lastCheckpoint = cfg.resumeFrom;
    }

    // The memory planner's figure (the wizard's model), so every run checks it against the measured peak.
    const memoryEstimate = runMemoryEstimate(cfg, modelConfig, report.kept, engine.label, engine.frozenType);
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
      trainableParams: engine.countParams(),
      ...(memoryEstimate ? { memoryEstimate } : {}),
    });

    const prompts = cfg.samplePrompts ? await io.readSamplePrompts(cfg.samplePrompts) : [];
    const runEval = async () => {
      if (!valBatches.length) return;
      // Forward only, one batch per micro-batch of a step: at most valBatches / gradAccum steps' worth.
      hooks.control?.announce?.({ phase: 'eval', stepsWorth: valBatches.length / cfg.gradAccum });
      const { sum, count } = await engine.evalLoss(valBatches, hooks.control?.breathe);
      hooks.emit({ type: 'eval', step, loss: sum / Math.max(1, count), examples: valPrepared.length });
    };
    const runSamples = async () => {
      for (const [promptIdx, prompt] of prompts.entries()) {
        await hooks.control?.breathe?.();
        const ids = samplePromptIds(tokenizer, prompt, cfg.system);
        const out = await engine.sample(ids, cfg.sampleMaxNewTokens, eosIds);
        hooks.emit({ type: 'sample', step, promptIdx, prompt, output: tokenizer.decode(out, { skipSpecialTokens: true }) });
      }
    };
    const writeCheckpoint = async (): Promise<string> => {
      const dir = io.join(cfg.out, `checkpoint-${step}`);
      const full: TrainerState = { ...state, step, dropoutRng: dropoutRng.getState() };
      const params = [...(await engine.readParams())].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
      const files = {
        ...(await engine.adapterFiles(cfg.model)),
        'params.safetensors': serializeSafetensors(params),
        'optimizer.safetensors': serializeSafetensors(optimizerTensors(await engine.optimizerState(), engine.paramShapes)),
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
        const res = await engine.lossAndGrads(batches, seeds, cfg.gradientCheckpointing);
        {
          if (!Number.isFinite(res.loss)) failNan('the training loss');
          const norm = await engine.gradNorm();
          if (!Number.isFinite(norm)) failNan('the gradient norm');
          const lr = lrAt(schedule, step);
          await engine.applyStep(lr, clipScale(cfg.maxGradNorm, norm));
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
          hooks.emit({
            type: 'step',
            step,
            loss: res.loss,
            lr,
            gradNorm: norm,
            tokensPerS: res.tokens / seconds,
            epoch: epochFloat,
            tokensSeen: state.tokensSeen,
          });
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
      const done: DoneEvent = { type: 'done', runId, reason: 'stopped', step, adapter: dir, losses: state.losses, peakMemoryBytes: engine.peakBytes() };
      hooks.emit(done);
      return done;
    }
    if (valBatches.length && (cfg.evalEvery === 0 || step % cfg.evalEvery !== 0)) await runEval();
    if (prompts.length && (cfg.sampleEvery === 0 || step % cfg.sampleEvery !== 0)) await runSamples();
    io.writeFilesAtomic(cfg.out, await engine.adapterFiles(cfg.model));
    const done: DoneEvent = { type: 'done', runId, reason: 'completed', step, adapter: cfg.out, losses: state.losses, peakMemoryBytes: engine.peakBytes() };
    hooks.emit(done);
    return done;
  } finally {
    engine.dispose();
  }
}
