/**
 * Built-in GRPO reward functions (the R1 recipe's trio, as open-r1 / TRL examples write them):
 * - format: the completion has a `<think>…</think>` block followed by an answer tag (regex configurable);
 * - correct: exact match of the extracted answer against the example's reference after normalisation
 *   (GSM8K's `#### 42`, thousands commas, a trailing `.0`, `$`, whitespace, case);
 * - length: a mild preference for completions within a target length.
 * Each returns a number in [0, 1]; the trainer sums the enabled ones (TRL sums reward functions).
 */
// The names are declared with the other GRPO settings (pure data the renderer bundles too).
import type { BuiltinReward } from './grpo-settings';
export { BUILTIN_REWARDS, type BuiltinReward } from './grpo-settings';

export interface RewardInput {
  prompt: string;
  completion: string;
  /** The dataset row (its reference answer under `answer`). */
  example: { answer?: string } & Record<string, unknown>;
}

export interface RewardFunction {
  readonly name: string;
  score(input: RewardInput): number | Promise<number>;
}

/** `<think>` … `</think>` then `<answer>` … `</answer>`, whole completion, whitespace between allowed. */
export const DEFAULT_FORMAT = /^\s*<think>[\s\S]*?<\/think>\s*<answer>[\s\S]*?<\/answer>\s*$/;
export const DEFAULT_ANSWER = /<answer>([\s\S]*?)<\/answer>/;

export function formatReward(pattern: RegExp = DEFAULT_FORMAT): RewardFunction {
  return { name: 'format', score: ({ completion }) => (pattern.test(completion) ? 1 : 0) };
}

/** The reference of a GSM8K answer (`… #### 1,234`), or the whole text when it has no `####`. */
export function referenceAnswer(answer: string): string {
  const at = answer.lastIndexOf('####');
  return at >= 0 ? answer.slice(at + 4) : answer;
}

/** The model's final answer: the answer tag's content, else what follows `</think>`, else the last number. */
export function extractAnswer(completion: string, tag: RegExp = DEFAULT_ANSWER): string | undefined {
  const m = tag.exec(completion);
  if (m) return m[1];
  const close = completion.lastIndexOf('</think>');
  if (close >= 0) return completion.slice(close + '</think>'.length);
  const gsm = completion.lastIndexOf('####');
  if (gsm >= 0) return completion.slice(gsm + 4);
  const numbers = completion.match(/-?\d[\d,]*(?:\.\d+)?/g);
  return numbers?.[numbers.length - 1];
}

/** Comparable form of an answer: trimmed, collapsed whitespace, lower case; numbers without `,`/`$`/`.0`. */
export function normaliseAnswer(s: string): string {
  const t = s
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[.。]$/, '');
  const num = t.replace(/^\$/, '').replace(/,(?=\d{3}\b)/g, '');
  if (/^-?\d+(\.\d+)?$/.test(num)) return String(Number(num));
  return t.toLowerCase();
}

export function correctnessReward(tag: RegExp = DEFAULT_ANSWER): RewardFunction {
  return {
    name: 'correct',
    score: ({ completion, example }) => {
      const got = extractAnswer(completion, tag);
      if (got === undefined || typeof example.answer !== 'string') return 0;
      return normaliseAnswer(got) === normaliseAnswer(referenceAnswer(example.answer)) ? 1 : 0;
    },
  };
}

/** 1 up to `target` characters, falling linearly to 0 at twice that (a cap on rambling, not a goal). */
export function lengthReward(target = 512): RewardFunction {
  return {
    name: 'length',
    score: ({ completion }) => {
      const n = completion.length;
      return n <= target ? 1 : Math.max(0, 2 - n / target);
    },
  };
}

export interface BuiltinRewardOptions {
  formatPattern?: RegExp;
  answerTag?: RegExp;
  lengthTarget?: number;
}

export function builtinReward(name: BuiltinReward, opts: BuiltinRewardOptions = {}): RewardFunction {
  switch (name) {
    case 'format':
      return formatReward(opts.formatPattern);
    case 'correct':
      return correctnessReward(opts.answerTag);
    case 'length':
      return lengthReward(opts.lengthTarget);
  }
}

export interface ScoredCompletion {
  /** Sum over the reward functions. */
  total: number;
  /** Each function's score, by name. */
  parts: Record<string, number>;
}

/** Scores one completion with every function; a function that throws scores 0 and `onError` hears why. */
export async function scoreCompletion(
  fns: readonly RewardFunction[],
  input: RewardInput,
  onError?: (fn: string, reason: string) => void,
): Promise<ScoredCompletion> {
  const parts: Record<string, number> = {};
  let total = 0;
  for (const fn of fns) {
    let v = 0;
    try {
      const r = await fn.score(input);
      v = typeof r === 'number' && Number.isFinite(r) ? r : 0;
      if (v !== r) onError?.(fn.name, `returned ${String(r)}, not a finite number`);
    } catch (e) {
      onError?.(fn.name, e instanceof Error ? e.message : String(e));
    }
    parts[fn.name] = v;
    total += v;
  }
  return { total, parts };
}
