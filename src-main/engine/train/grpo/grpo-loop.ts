/**
 * The GRPO training loop (fs-free; I/O through TrainIo), taken by trainLoop when TrainConfig.grpo is
 * set: read the prompts and reference answers, then per optimiser step take `batchSize x gradAccum`
 * prompts in a seeded order, run grpoStep (sample, score, advantages, weighted gradients), clip, take
 * the AdamW step, and report the step and its rewards; write the PEFT adapter at the end (and on
 * stop, and every --save-every steps as checkpoint-N adapter folders).
 * Data: any chat format; the prompt is every turn before the last assistant turn (rendered with the
 * chat template's generation prompt), the reference answer is that assistant turn (GSM8K's `#### 42`
 * is read by the correctness reward).
 * The loop's steps are methods of GrpoRun (grpo-run.ts); one step's rollouts and gradients are grpo-step.ts.
 * Not yet: resuming a GRPO run (refused at start with one line), validation loss, live samples.
 */
import { UserError } from '../../errors';
import { isChat, type Example } from '../../types';
import type { TextTokenizer } from '../../tokenizer/text-tokenizer';
import { Rng } from '../rng';
import type { TrainConfig } from '../train-config';
import { warnSkippedRecords } from '../load-train-data';
import { withSystem } from '../train-data';
import type { DoneEvent, TrainHooks } from '../train-events';
import type { TrainIo } from '../train-io';
import { GrpoRun, grpoSchedule } from './grpo-run';
import type { GrpoPrompt } from './grpo-step';
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
  const runId = hooks.runId ?? cfg.name ?? 'run';
  if (cfg.resumeFrom)
    throw new UserError('resuming a GRPO run is not supported yet', {
      where: cfg.resumeFrom,
      hint: 'start a new run, with --init-adapter pointing at the checkpoint to continue from it',
    });
  // Set-up: the reward functions, the model and adapter, the prompts, the run's length and schedule.
  const rewards = rewardFunctions(cfg, io);
  io.prepareOut(cfg.out);
  const { engine, config: modelConfig, tokenizer } = await io.openEngine(cfg, Rng.derive(cfg.seed, 'init'));
  try {
    const grpo = engine.grpo;
    if (!grpo)
      throw new UserError(`GRPO runs on the ggml engine; ${engine.label} cannot sample for it`, { hint: 'use --backend auto, cpu, vulkan, cuda or metal' });
    const prompts = await loadGrpoPrompts(cfg, hooks, io, tokenizer);
    const schedule = grpoSchedule(cfg, prompts.length);
    hooks.emit({
      type: 'start',
      runId,
      method: 'lora',
      objective: 'grpo',
      totalSteps: schedule.totalSteps,
      fromStep: 0,
      examples: prompts.length,
      valExamples: 0,
      tooLong: [],
      truncated: 0,
      trainableParams: engine.countParams(),
    });
    const run = new GrpoRun({ cfg, hooks, io, engine, grpo, tokenizer, eosIds: modelConfig.eosTokenIds, rewards, prompts, schedule });

    // The loop: per optimiser step, the prompts, their rollouts scored with rewards and advantages, the
    // policy update, the log, and the checkpoint when due.
    let stopped = false;
    while (run.hasStepsLeft()) {
      if (await run.stopRequested()) {
        stopped = true;
        break;
      }
      const batch = run.nextPrompts();
      const res = await run.rollOut(batch);
      run.failOnNan(res);
      const update = await run.policyUpdate();
      run.logStep(res, update);
      await run.checkpointWhenDue();
    }
    return await run.finish(runId, stopped);
  } finally {
    engine.dispose();
  }
}

/** The chat prompts that leave room for --max-new-tokens in --max-len, with a warning for each kind skipped. */
async function loadGrpoPrompts(cfg: TrainConfig, hooks: TrainHooks, io: TrainIo, tokenizer: TextTokenizer): Promise<GrpoPrompt[]> {
  const g = cfg.grpo!;
  const data = await io.readExamples(cfg.data, cfg.format, cfg.map);
  warnSkippedRecords(hooks, cfg.data, data.skipped);
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
  return prompts;
}
