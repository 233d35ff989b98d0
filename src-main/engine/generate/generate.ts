/**
 * Autoregressive generation for one sequence (transformers `generate` split the same way:
 * logits processors, sampler, stopping criteria, streamer): prefill the prompt once, then decode one
 * token at a time with the KV cache. Greedy or seeded temperature/top-k/top-p sampling, repetition
 * penalty, stop on any EOS id, optional thinking budget, callbacks per token and per text piece.
 *
 * The loop is a small state machine (`Generation`), engine-neutral: the caller's `next` feeds tokens
 * and returns the next-token logits (ggml/generate.ts drives it with GgmlCausalLM).
 */
import { applyRepetitionPenalty, applyTemperature, applyTopK, applyTopP } from './logits-processors';
import { argmax, sampleFromLogits } from './sampler';
import { SeededRng } from './seeded-rng';
import { TextStreamer } from './text-streamer';
import { ThinkingBudget, type ThinkingBudgetOptions, type ThinkingUsage } from './thinking-budget';

export type SamplingOptions = { greedy: true } | { greedy: false; temperature: number; topK: number; topP: number; seed: number };

export interface GenerateOptions {
  maxNewTokens: number;
  sampling: SamplingOptions;
  repetitionPenalty?: number;
  eosTokenIds: number[];
  thinking?: ThinkingBudgetOptions;
  /** Called with each token as it is produced (forced thinking tokens included). */
  onToken?: (id: number) => void;
  /** Streaming text: needs `decode`; called with each new piece of complete text. */
  decode?: (ids: number[]) => string;
  onText?: (delta: string) => void;
}

export interface GenerateResult {
  ids: number[];
  finishReason: 'eos' | 'length';
  /** With `thinking`: the budget and Wait extensions used. */
  thinking?: ThinkingUsage;
}

/** One generation's state: what to feed next, and what to do with the logits that come back. */
class Generation {
  readonly out: number[] = [];
  feed: number[];
  done = false;
  finishReason: GenerateResult['finishReason'] = 'length';
  private readonly rng?: SeededRng;
  private readonly eos: Set<number>;
  private readonly thinking?: ThinkingBudget;
  private readonly streamer?: TextStreamer;

  constructor(
    private readonly promptIds: number[],
    private readonly opts: GenerateOptions,
  ) {
    this.feed = promptIds;
    this.rng = opts.sampling.greedy ? undefined : new SeededRng(opts.sampling.seed);
    this.eos = new Set(opts.eosTokenIds);
    this.thinking = opts.thinking ? new ThinkingBudget(opts.thinking, promptIds) : undefined;
    this.streamer = opts.decode ? new TextStreamer(opts.decode) : undefined;
    this.done = opts.maxNewTokens <= 0;
  }

  accept(logits: Float32Array): void {
    const { opts, out } = this;
    applyRepetitionPenalty(logits, [...this.promptIds, ...out], opts.repetitionPenalty ?? 1);
    let next: number;
    if (opts.sampling.greedy) next = argmax(logits);
    else {
      applyTemperature(logits, opts.sampling.temperature);
      applyTopK(logits, opts.sampling.topK);
      applyTopP(logits, opts.sampling.topP);
      next = sampleFromLogits(logits, this.rng!);
    }
    const emitted = this.thinking ? this.thinking.intercept(next) : [next];
    this.feed = emitted.slice(0, opts.maxNewTokens - out.length);
    for (const id of this.feed) {
      out.push(id);
      opts.onToken?.(id);
      const delta = this.streamer?.push(out);
      if (delta) opts.onText?.(delta);
      if (this.eos.has(id)) {
        this.finishReason = 'eos';
        this.done = true;
        break;
      }
    }
    if (out.length >= opts.maxNewTokens) this.done = true;
  }

  finish(): GenerateResult {
    const rest = this.streamer?.flush(this.out);
    if (rest) this.opts.onText?.(rest);
    return { ids: this.out, finishReason: this.finishReason, ...(this.thinking ? { thinking: this.thinking.usage } : {}) };
  }
}

/**
 * The loop over any engine: `next(feed, first)` feeds the tokens (the prompt on the first call,
 * then what was emitted) and returns the next-token logits [V].
 */
export async function generateWith(
  promptIds: number[],
  opts: GenerateOptions,
  next: (feed: number[], first: boolean) => Promise<Float32Array>,
): Promise<GenerateResult> {
  const g = new Generation(promptIds, opts);
  let first = true;
  while (!g.done) {
    g.accept(await next(g.feed, first));
    first = false;
  }
  return g.finish();
}
