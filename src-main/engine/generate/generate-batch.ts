/**
 * Batched autoregressive generation: B prompts decoded together with one shared KV cache, the way
 * transformers' `generate` runs a left-padded batch. Prompts are padded on the LEFT with a pad id,
 * so every row's last prompt token sits in the last column and one slice gives all next-token
 * logits. The 0/1 attention mask covers past + current tokens (0 on pads); the engine derives position
 * ids from it (`nn/host-mask.ts`: cumsum of real tokens minus one, prefix-shifted, pads get 1 as
 * HF's `masked_fill_` does; a pad's position never matters since no query sees it).
 *
 * Each row keeps the state `generate` keeps for one sequence (repetition penalty over prompt + output,
 * a `SeededRng` of its own, stop on EOS or maxNewTokens), so row r with sampling seed s produces the
 * ids one-at-a-time generation (`generateWith`) with seed s produces. A finished row keeps feeding the pad id
 * with mask 0 (invisible to every later query) until all rows are done.
 *
 * A P-Tuning prefix lives in the engine's cache (every row sees it). The thinking budget and text
 * streaming of `generate` are not supported here (per-row multi-token feeds). Engine-neutral: the
 * caller's `next` runs each batched forward (ggml/generate.ts drives it with GgmlCausalLM).
 */
import type { GenerateResult, SamplingOptions } from './generate';
import { applyRepetitionPenalty, applyTemperature, applyTopK, applyTopP } from './logits-processors';
import { argmax, sampleFromLogits } from './sampler';
import { SeededRng } from './seeded-rng';

export interface BatchGenerateOptions {
  maxNewTokens: number;
  /** One setting for every row, or one per row (e.g. a seed per example). */
  sampling: SamplingOptions | SamplingOptions[];
  repetitionPenalty?: number;
  eosTokenIds: number[];
  /** Fed on pads and after a row finishes; masked, so any id works (default: the first EOS id, else 0). */
  padTokenId?: number;
  /** Called after every decode step with the number of rows still generating. */
  onStep?: (active: number) => void;
}

/** One row's decoding state: the same rules as `generate`'s Generation, minus thinking/streaming. */
class Row {
  readonly out: number[] = [];
  done: boolean;
  finishReason: GenerateResult['finishReason'] = 'length';
  private readonly rng?: SeededRng;

  constructor(
    readonly promptIds: number[],
    private readonly sampling: SamplingOptions,
    private readonly opts: BatchGenerateOptions,
    private readonly eos: Set<number>,
  ) {
    this.rng = sampling.greedy ? undefined : new SeededRng(sampling.seed);
    this.done = opts.maxNewTokens <= 0;
  }

  /** Picks the next token from this row's logits [V] (modified in place). */
  accept(logits: Float32Array): void {
    applyRepetitionPenalty(logits, [...this.promptIds, ...this.out], this.opts.repetitionPenalty ?? 1);
    const s = this.sampling;
    let next: number;
    if (s.greedy) next = argmax(logits);
    else {
      applyTemperature(logits, s.temperature);
      applyTopK(logits, s.topK);
      applyTopP(logits, s.topP);
      next = sampleFromLogits(logits, this.rng!);
    }
    this.out.push(next);
    if (this.eos.has(next)) {
      this.finishReason = 'eos';
      this.done = true;
    }
    if (this.out.length >= this.opts.maxNewTokens) this.done = true;
  }
}

/** What one forward call of the batch consumes. */
interface BatchFeed {
  batch: number; // B
  ids: Int32Array; // [B * T]
  steps: number; // T
  keyMask: Float32Array; // [B * (past + T)]
}

/** The batch's state machine: builds each call's feed, and distributes the logits that come back. */
class BatchGeneration {
  readonly rows: Row[];
  /** Per row, the 0/1 mask of every token fed so far (pads 0). */
  private readonly masks: number[][];
  private readonly pad: number;
  private prefilled = false;

  constructor(
    prompts: number[][],
    private readonly opts: BatchGenerateOptions,
  ) {
    if (prompts.some((p) => p.length === 0)) throw new Error('generateBatch: every prompt needs at least one token');
    const perRow = Array.isArray(opts.sampling) ? opts.sampling : prompts.map(() => opts.sampling as SamplingOptions);
    if (perRow.length !== prompts.length) throw new Error(`generateBatch: ${perRow.length} sampling settings for ${prompts.length} prompts`);
    const eos = new Set(opts.eosTokenIds);
    this.rows = prompts.map((p, r) => new Row(p, perRow[r], opts, eos));
    this.masks = prompts.map(() => []);
    this.pad = opts.padTokenId ?? opts.eosTokenIds[0] ?? 0;
  }

  get done(): boolean {
    return this.rows.every((r) => r.done);
  }

  /** The prefill (left-padded prompts) on the first call, then one token per row. */
  next(): BatchFeed {
    const b = this.rows.length;
    if (!this.prefilled) {
      // A loop, not Math.max(...rows): a spread past V8's argument limit throws.
      const steps = this.rows.reduce((m, r) => Math.max(m, r.promptIds.length), 0);
      const ids = new Int32Array(b * steps).fill(this.pad);
      this.rows.forEach((r, i) => {
        const padLen = steps - r.promptIds.length;
        ids.set(r.promptIds, i * steps + padLen);
        for (let t = 0; t < steps; t++) this.masks[i].push(t < padLen ? 0 : 1);
      });
      return { batch: b, ids, steps, keyMask: this.flatMask() };
    }
    const ids = new Int32Array(b);
    this.rows.forEach((r, i) => {
      // A row that finished on this very step still feeds nothing useful: its last token is masked.
      const live = !r.done;
      ids[i] = live ? r.out[r.out.length - 1] : this.pad;
      this.masks[i].push(live ? 1 : 0);
    });
    return { batch: b, ids, steps: 1, keyMask: this.flatMask() };
  }

  /** Next-token logits of every row, [B * V] (row r at r * V). */
  accept(logits: Float32Array): void {
    this.prefilled = true;
    const v = logits.length / this.rows.length;
    this.rows.forEach((r, i) => {
      if (!r.done) r.accept(logits.subarray(i * v, (i + 1) * v));
    });
    this.opts.onStep?.(this.rows.filter((r) => !r.done).length);
  }

  results(): GenerateResult[] {
    return this.rows.map((r) => ({ ids: r.out, finishReason: r.finishReason }));
  }

  private flatMask(): Float32Array {
    const known = this.masks[0].length;
    const out = new Float32Array(this.rows.length * known);
    this.masks.forEach((m, i) => out.set(m, i * known));
    return out;
  }
}

/** What one batched forward call consumes. */
export interface BatchStep {
  batch: number;
  /** [B * T], left-padded on the first call. */
  ids: Int32Array;
  steps: number;
  /** [B * (past + T)] 0/1. */
  keyMask: Float32Array;
  first: boolean;
}

/** The batched loop over any engine: `next` returns the last column's logits [B * V]. */
export async function generateBatchWith(
  prompts: number[][],
  opts: BatchGenerateOptions,
  next: (step: BatchStep) => Promise<Float32Array>,
): Promise<GenerateResult[]> {
  if (prompts.length === 0) return [];
  const g = new BatchGeneration(prompts, opts);
  let first = true;
  while (!g.done) {
    const feed = g.next();
    g.accept(await next({ batch: feed.batch, ids: feed.ids, steps: feed.steps, keyMask: feed.keyMask, first }));
    first = false;
  }
  return g.results();
}
