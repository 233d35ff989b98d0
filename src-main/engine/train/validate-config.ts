/** Checks a TrainConfig before any work starts; each problem is one UserError line naming the flag. */
import { UserError } from '../errors';
import type { TrainConfig } from './train-config';
import { resolveTargets } from './lora-targets';

export function validateTrainConfig(cfg: TrainConfig): void {
  const bad = (flag: string, what: string, hint: string) => {
    throw new UserError(`--${flag} ${what}`, { hint });
  };
  if (!(cfg.lr > 0) || !Number.isFinite(cfg.lr)) bad('lr', `must be a positive number, got ${cfg.lr}`, 'e.g. --lr 2e-4');
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1) bad('batch-size', `must be a positive integer, got ${cfg.batchSize}`, 'e.g. --batch-size 1');
  if (!Number.isInteger(cfg.gradAccum) || cfg.gradAccum < 1) bad('grad-accum', `must be a positive integer, got ${cfg.gradAccum}`, 'e.g. --grad-accum 4');
  if (!Number.isInteger(cfg.maxLen) || cfg.maxLen < 2) bad('max-len', `must be an integer of at least 2, got ${cfg.maxLen}`, 'e.g. --max-len 512');
  if (cfg.maxSteps !== undefined && (!Number.isInteger(cfg.maxSteps) || cfg.maxSteps < 1)) bad('max-steps', `must be a positive integer, got ${cfg.maxSteps}`, 'e.g. --max-steps 100');
  if (!(cfg.epochs > 0)) bad('epochs', `must be positive, got ${cfg.epochs}`, 'e.g. --epochs 3');
  if (cfg.weightDecay < 0) bad('weight-decay', `must be 0 or more, got ${cfg.weightDecay}`, 'e.g. --weight-decay 0.01');
  if (cfg.maxGradNorm < 0) bad('max-grad-norm', `must be 0 (off) or more, got ${cfg.maxGradNorm}`, 'e.g. --max-grad-norm 1.0');
  if (cfg.loraDropout < 0 || cfg.loraDropout >= 1) bad('lora-dropout', `must be in [0, 1), got ${cfg.loraDropout}`, 'e.g. --lora-dropout 0.05');
  if (!Number.isInteger(cfg.loraR) || cfg.loraR < 1) bad('lora-r', `must be a positive integer, got ${cfg.loraR}`, 'e.g. --lora-r 8');
  if (!(cfg.loraAlpha > 0)) bad('lora-alpha', `must be positive, got ${cfg.loraAlpha}`, 'e.g. --lora-alpha 16');
  if (!Number.isInteger(cfg.prefixLen) || cfg.prefixLen < 1) bad('prefix-len', `must be a positive integer, got ${cfg.prefixLen}`, 'e.g. --prefix-len 128');
  if (cfg.valSplit < 0 || cfg.valSplit >= 1) bad('val-split', `must be in [0, 1), got ${cfg.valSplit}`, 'e.g. --val-split 0.05');
  if (cfg.warmupRatio !== undefined && (cfg.warmupRatio < 0 || cfg.warmupRatio > 1)) bad('warmup-ratio', `must be in [0, 1], got ${cfg.warmupRatio}`, 'e.g. --warmup-ratio 0.03');
  // Target names are the same for every supported family, so they are checked before any loading.
  if (cfg.method === 'lora' && !cfg.initAdapter) resolveTargets(cfg.loraTargets);
  if (cfg.grpo) validateGrpo(cfg);
  if (cfg.method === 'ptuning' && cfg.initAdapter) bad('init-adapter', 'is for LoRA runs; P-Tuning v2 starts from a fresh prefix', 'drop --init-adapter or use --method lora');
}

function validateGrpo(cfg: TrainConfig): void {
  const g = cfg.grpo!;
  const bad = (flag: string, what: string, hint: string) => {
    throw new UserError(`--${flag} ${what}`, { hint });
  };
  if (cfg.method !== 'lora') throw new UserError('GRPO trains a LoRA adapter; P-Tuning v2 with GRPO is not supported', { hint: 'use --method grpo (LoRA) or --method ptuning (SFT)' });
  if (!Number.isInteger(g.numGenerations) || g.numGenerations < 2) bad('num-generations', `must be an integer of at least 2 (a group needs someone to compare with), got ${g.numGenerations}`, 'e.g. --num-generations 4');
  if (!(g.beta >= 0) || !Number.isFinite(g.beta)) bad('beta', `must be 0 or more, got ${g.beta}`, 'e.g. --beta 0.04');
  if (!(g.epsilon > 0 && g.epsilon < 1)) bad('epsilon', `must be in (0, 1), got ${g.epsilon}`, 'e.g. --epsilon 0.2');
  if (!Number.isInteger(g.maxNewTokens) || g.maxNewTokens < 1) bad('max-new-tokens', `must be a positive integer, got ${g.maxNewTokens}`, 'e.g. --max-new-tokens 128');
  if (!(g.temperature > 0) || !Number.isFinite(g.temperature)) bad('temperature', `must be positive (GRPO samples), got ${g.temperature}`, 'e.g. --temperature 1.0');
  if (!(g.topP > 0 && g.topP <= 1)) bad('top-p', `must be in (0, 1], got ${g.topP}`, 'e.g. --top-p 1.0');
  if (!Number.isInteger(g.topK) || g.topK < 0) bad('top-k', `must be 0 (off) or a positive integer, got ${g.topK}`, 'e.g. --top-k 50');
  if (cfg.maxLen <= g.maxNewTokens) bad('max-len', `(${cfg.maxLen}) must leave room for the prompt beyond --max-new-tokens ${g.maxNewTokens}`, 'raise --max-len or lower --max-new-tokens');
  if (cfg.packing) bad('packing', 'does not apply to GRPO (each row is one prompt and its completion)', 'drop --packing');
  if (!Number.isInteger(g.rewardTimeoutMs) || g.rewardTimeoutMs < 1) bad('reward-timeout-ms', `must be a positive integer, got ${g.rewardTimeoutMs}`, 'e.g. --reward-timeout-ms 1000');
}
