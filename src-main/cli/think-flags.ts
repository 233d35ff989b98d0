/**
 * The budget-forcing flags `tuneloom generate` and `tuneloom eval` share (s1, engine/generate/
 * thinking-budget.ts): --think-budget N caps the tokens inside <think> and forces the close;
 * --think-wait W replaces up to W early </think>s with "Wait" (with or without a budget).
 */
import { UserError } from '../errors';
import type { ThinkingBudgetOptions } from '../engine/generate/thinking-budget';
import type { TextTokenizer } from '../engine/tokenizer/text-tokenizer';
import { str, type CliContext } from './command';
import { parseNumberFlag } from './parse-number';

export const THINK_OPTIONS = {
  'think-budget': { type: 'string' },
  'think-wait': { type: 'string' },
} as const;

/** The flags' --help lines, descriptions starting at column `col` (each command aligns its own). */
export function thinkHelp(col: number): string {
  const line = (name: string, text: string[]) => [`  ${name}`.padEnd(col) + text[0], ...text.slice(1).map((t) => ' '.repeat(col) + t)].join('\n');
  return [
    line('--think-budget N', ['s1 budget forcing: at most N tokens inside <think>, then </think> is forced']),
    line('--think-wait W', ['replace up to W early </think> with "Wait" to extend thinking (default 0;', 'without --think-budget thinking is not capped)']),
  ].join('\n');
}

export interface ThinkFlags {
  budget?: number;
  waits: number;
}

/** The flags as given; undefined when neither is (no budget forcing). */
export function thinkFlags(ctx: CliContext): ThinkFlags | undefined {
  const budget = parseNumberFlag(str(ctx, 'think-budget'), 'think-budget', { integer: true, min: 0 });
  const waits = parseNumberFlag(str(ctx, 'think-wait'), 'think-wait', { integer: true, min: 0, fallback: 0 })!;
  if (budget === undefined && waits === 0) return undefined;
  return { budget, waits };
}

/** The engine's options for a tokenizer: its <think>/</think> ids, the forced close and the "Wait" ids. */
export function thinkingOptions(tok: TextTokenizer, flags: ThinkFlags): ThinkingBudgetOptions {
  const start = tok.tokenToId('<think>');
  const end = tok.tokenToId('</think>');
  if (start === undefined || end === undefined) {
    const flag = flags.budget !== undefined ? '--think-budget' : '--think-wait';
    throw new UserError(`${flag} needs a model whose tokenizer has <think> and </think> tokens`, {
      where: `${tok.where}/tokenizer.json`,
      hint: `drop ${flag} for this model`,
    });
  }
  return {
    budget: flags.budget ?? Infinity,
    thinkStartId: start,
    thinkEndId: end,
    closeIds: tok.encode('\n</think>\n\n'),
    waitIds: tok.encode('Wait'),
    maxWaits: flags.waits,
  };
}
