/**
 * The GRPO training loop (fs-free; I/O through TrainIo), taken by trainLoop when TrainConfig.grpo is
 * set: read the prompts and reference answers, then per optimiser step take `batchSize x gradAccum`
 * prompts in a seeded order, run grpoStep (sample, score, advantages, weighted gradients), clip, take
 * the AdamW step, and report the step and its rewards; write the PEFT adapter at the end (and on
 * stop, and every --save-every steps as checkpoint-N adapter folders).
 * Data: any chat format; the prompt is every turn before the last assistant turn (rendered with the
 * chat template's generation prompt), the reference answer is that assistant turn (GSM8K's `#### 42`
 * is read by the correctness reward).
 * Not yet: resuming a GRPO run (refused at start with one line), validation loss, live samples.
 */
import { UserError, serializeError } from '../../errors';
import { isChat, type Example } from '../../types';
import { clipScale } from '../../optim/clip-scale';
import { lrAt, type ScheduleOptions } from '../../optim/schedule';
import type { TextTokenizer } from '../../tokenizer/text-tokenizer';
import { Rng } from '../rng';
import type { TrainConfig } from '../train-config';
import { withSystem } from '../train-data';
import type { DoneEvent, TrainHooks } from '../train-events';
import type { TrainIo } from '../train-io';
import { grpoStep, type GrpoPrompt } from './grpo-step';
import { builtinReward, type RewardFunction } from './rewards';

/** Prompt and reference of each chat example; rows that are not chats, or have no user turn, are skipped. */
export function grpoPrompts(examples: Example[], tok: TextTokenizer, system: string | undefined): { prompts: GrpoPrompt[]; skipped: number } {
  const prompts: GrpoPrompt[] = [];
  let skipped = 0;
  for (const ex of examples) {
    if (!isChat(ex)) {
      skipped++;
      continue;
    }
    let end = ex.messages.length;
    let answer: string | undefined;
    if (ex.messages[end - 1]?.role === 'assistant') answer = ex.messages[--end].content;
    const turns = ex.messages.slice(0, end);
    const lastUser = [...turns].reverse().find((m) => m.role === 'user');
    if (!lastUser) {
      skipped++;
      continue;
    }
    const promptIds = tok.encode(tok.renderChat(withSystem(turns, system), { addGenerationPrompt: true }));
    prompts.push({ prompt: lastUser.content, promptIds, example: { ...ex.meta, ...(answer !== undefined ? { answer } : {}) } });
  }
  return { prompts, skipped };
}

function rewardFunctions(cfg: TrainConfig, io: TrainIo): RewardFunction[] {
  const g = cfg.grpo!;
  let formatPattern: RegExp | undefined;
  if (g.formatPattern !== undefined) {
    try {
      formatPattern = new RegExp(g.formatPattern);
    } catch (e) {
      throw new UserError(`--format-pattern is not a valid regular expression: ${(e as Error).message}`, {
        hint: 'e.g. --format-pattern "^<think>[\\s\\S]*</think>"',
      });
    }
  }
  const fns = g.rewards.map((r) => builtinReward(r, { formatPattern }));
  if (g.rewardFile) {
    if (!io.loadRewardFile) throw new UserError('this trainer cannot load reward files', { hint: 'use the built-in --reward functions' });
    fns.push(io.loadRewardFile(g.rewardFile, g.rewardTimeoutMs));
  }
  if (!fns.length) throw new UserError('GRPO needs at least one reward function', { hint: 'pass --reward format,correct,length and/or --reward-file FILE' });
  return fns;
}

export async function grpoLoop(cfg: TrainConfig, hooks: TrainHooks & { runId?: string }, io: TrainIo): Promise<DoneEvent> {
  const g = cfg.grpo!;
  const runId = hooks.runId ?? cfg.name ?? 'run';
  if (cfg.resumeFrom)
    throw new UserError('resuming a GRPO run is not supported yet', {
      where: cfg.resumeFrom,
      hint: 'start a new run, with --init-adapter pointing at the checkpoint to continue from it',
    });
  const rewards = rewardFunctions(cfg, io);
  io.prepareOut(cfg.out);
  const { engine, config: modelConfig, tokenizer } = await io.openEngine(cfg, Rng.derive(cfg.seed, 'init'));
  let step = 0;
  try {
    const grpo = engine.grpo;
    if (!grpo)
      throw new UserError(`GRPO runs on the ggml engine; ${engine.label} cannot sample for it`, { hint: 'use --backend auto, cpu, vulkan, cuda or metal' });
    const data = await io.readExamples(cfg.data, cfg.format, cfg.map);
    if (data.skipped.length)
      hooks.emit({
        type: 'log',
        level: 'warn',
        message: `${data.skipped.length} record(s) of ${cfg.data} skipped (first: line ${data.skipped[0].line}: ${data.skipped[0].reason})`,
      });
    const { prompts: all, skipped } = grpoPrompts(data.examples, tokenizer, cfg.system);
    if (skipped) hooks.emit({ type: 'log', level: 'warn', message: `${skipped} example(s) of ${cfg.data} have no user turn to prompt with and were skipped` });
    const room = cfg.maxLen - g.maxNewTokens;
    const prompts = all.filter((p) => p.promptIds.length <= room);
    if (prompts.length < all.length)
      hooks.emit({
        type: 'log',
        level: 'warn',
        message: `${all.length - prompts.length} prompt(s) longer than --max-len ${cfg.maxLen} minus --max-new-tokens ${g.maxNewTokens} were skipped`,
      });
    if (!prompts.length)
      throw new UserError('nothing to train on: no prompt fits in --max-len minus --max-new-tokens', {
        where: cfg.data,
        hint: 'raise --max-len or lower --max-new-tokens',
      });

    const perStep = cfg.batchSize * cfg.gradAccum;
    const totalSteps = cfg.maxSteps ?? Math.max(1, Math.ceil((cfg.epochs * prompts.length) / perStep));
    const schedule: ScheduleOptions = {
      kind: cfg.scheduler,
      baseLr: cfg.lr,
      totalSteps,
      warmupSteps: cfg.warmupSteps,
      warmupRatio: cfg.warmupRatio,
      minLrRatio: cfg.lrMinRatio,
    };
    hooks.emit({
      type: 'start',
      runId,
      method: 'lora',
      objective: 'grpo',
      totalSteps,
      fromStep: 0,
      examples: prompts.length,
      valExamples: 0,
      tooLong: [],
      truncated: 0,
      trainableParams: engine.countParams(),
    });

    const dataRng = Rng.derive(cfg.seed, 'data');
    const sampleRng = Rng.derive(cfg.seed, 'grpo-sampling');
    let order = dataRng.permutation(prompts.length);
    let cursor = 0;
    let epoch = 0;
    const losses: number[] = [];
    let tokensSeen = 0;
    const eosIds = modelConfig.eosTokenIds;
    const writeAdapter = async (dir: string, folder: boolean) => {
      const files = await engine.adapterFiles(cfg.model);
      return folder ? io.writeFolderAtomic(dir, files) : io.writeFilesAtomic(dir, files);
    };
    let stopped = false;
    while (step < totalSteps) {
      await hooks.control?.waitWhilePaused?.();
      if (hooks.control?.shouldStop?.()) {
        stopped = true;
        break;
      }
      const batch: GrpoPrompt[] = [];
      while (batch.length < perStep) {
        if (cursor >= order.length) {
          order = dataRng.permutation(prompts.length);
          cursor = 0;
          epoch++;
        }
        batch.push(prompts[order[cursor++]]);
      }
      const reasons = new Map<string, { first: string; count: number }>();
      const res = await grpoStep(grpo, batch, {
        groupSize: g.numGenerations,
        beta: g.beta,
        epsilon: g.epsilon,
        sampling: { maxNewTokens: g.maxNewTokens, temperature: g.temperature, topP: g.topP, topK: g.topK, eosIds },
        seed: sampleRng.nextUint32(),
        decode: (ids) => tokenizer.decode(ids, { skipSpecialTokens: true }),
        rewards,
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
        hooks.emit({ type: 'log', level: 'warn', message: `reward ${fn} scored 0 on ${r.count} completion(s) at step ${step + 1}: ${r.first}` });
      if (!Number.isFinite(res.loss)) {
        const err = new UserError(`the GRPO loss is NaN at step ${step + 1}; the run stopped`, { hint: 'lower --lr or --temperature', kind: 'nan' });
        hooks.emit({ type: 'error', error: serializeError(err), step, lastCheckpoint: null });
        throw err;
      }
      const norm = await engine.gradNorm();
      const lr = lrAt(schedule, step);
      await engine.applyStep(lr, clipScale(cfg.maxGradNorm, Number.isFinite(norm) ? norm : 0));
      step++;
      losses.push(res.loss);
      tokensSeen += res.tokens;
      const seconds = Math.max(1e-9, (res.generationMs + res.trainMs) / 1000);
      hooks.emit({
        type: 'step',
        step,
        loss: res.loss,
        lr,
        gradNorm: norm,
        tokensPerS: res.tokens / seconds,
        epoch: epoch + cursor / order.length,
        tokensSeen,
      });
      const { samples, loss: _loss, tokens: _tokens, ...stats } = res;
      hooks.emit({
        type: 'rewards',
        step,
        ...stats,
        completions: samples.map(({ prompt, completion, reward, parts, advantage }) => ({ prompt, completion, reward, parts, advantage })),
      });
      if (cfg.saveEvery > 0 && step % cfg.saveEvery === 0) {
        const dir = io.join(cfg.out, `checkpoint-${step}`);
        hooks.emit({ type: 'checkpoint', step, path: dir, bytes: await writeAdapter(dir, true) });
      }
    }
    await writeAdapter(cfg.out, false);
    const done: DoneEvent = {
      type: 'done',
      runId,
      reason: stopped ? 'stopped' : 'completed',
      step,
      adapter: cfg.out,
      losses,
      peakMemoryBytes: engine.peakBytes(),
    };
    hooks.emit(done);
    return done;
  } finally {
    engine.dispose();
  }
}
