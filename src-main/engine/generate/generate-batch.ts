/**
 * Batched autoregressive generation: B prompts decoded together with one shared KV cache, the way
 * transformers' `generate` runs a left-padded batch. Prompts are padded on the LEFT with a pad id,
 * so every row's last prompt token sits in the last column and one slice gives all next-token
 * logits. The 0/1 attention mask covers past + current tokens (0 on pads); position ids are derived
 * from it by `buildMaskAndPositions` (cumsum of real tokens minus one, prefix-shifted, pads get 1 as
 * HF's `masked_fill_` does; a pad's position never matters since no query sees it).
 *
 * Each row keeps the state `generate` keeps for one sequence (repetition penalty over prompt + output,
 * a `SeededRng` of its own, stop on EOS or maxNewTokens), so row r with sampling seed s produces the
 * ids `generate(model, prompts[r], { seed: s })` produces. A finished row keeps feeding the pad id
 * with mask 0 (invisible to every later query) until all rows are done.
 *
 * P-Tuning prefixes (PrefixKv, batch 1) are broadcast over the batch for the prefill call. The
 * thinking budget and text streaming of `generate` are not supported here (per-row multi-token feeds).
 * Driven synchronously (`generateBatch`, cpu/wasm) or asynchronously (`generateBatchAsync`, webgpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LoraSet } from '../adapters/lora-set';
import type { CausalLM, PrefixKv } from '../models/causal-lm';
import { KvCache } from '../nn/kv-cache';
import { toHost, toHostAsync } from '../nn/to-host';
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
  adapters?: LoraSet;
  /** Batch-1 prefix per layer; broadcast over the batch. */
  prefix?: PrefixKv[];
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
  prefix?: PrefixKv[];
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
      return { batch: b, ids, steps, keyMask: this.flatMask(), prefix: this.opts.prefix };
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

/** Broadcasts batch-1 prefix keys/values [1, P, nKv, hd] to [B, P, nKv, hd] (inside the caller's tidy). */
function broadcastPrefix(prefix: PrefixKv[], batch: number): PrefixKv[] {
  return prefix.map((p) => {
    if (p.key.shape[0] === batch) return p;
    if (p.key.shape[0] !== 1) throw new Error(`generateBatch: prefix has batch ${p.key.shape[0]}, expected 1 or ${batch}`);
    return { key: tf.tile(p.key, [batch, 1, 1, 1]), value: tf.tile(p.value, [batch, 1, 1, 1]) }; // [B, P, nKv, hd]
  });
}

/** Logits [B, 1, V] of the last column after feeding `feed` (appends to the cache). */
function lastLogits(model: CausalLM, feed: BatchFeed, cache: KvCache, adapters?: LoraSet): tf.Tensor {
  const b = feed.batch;
  const inputIds = tf.tensor2d(feed.ids, [b, feed.steps], 'int32'); // [B, T]
  const attentionMask = tf.tensor2d(feed.keyMask, [b, cache.pastLength + feed.steps]); // [B, past + T]
  const prefix = feed.prefix ? broadcastPrefix(feed.prefix, b) : undefined;
  const hidden = model.forward(inputIds, { kvCache: cache, attentionMask, adapters, prefix }); // [B, T, H]
  const last = tf.slice(hidden, [0, feed.steps - 1, 0], [b, 1, -1]); // [B, 1, H]: left padding puts every row's last token here
  return model.lmHead(last); // [B, 1, V]
}

/** Synchronous batched generation (cpu and wasm backends). Results are in prompt order. */
export function generateBatch(model: CausalLM, prompts: number[][], opts: BatchGenerateOptions): GenerateResult[] {
  if (prompts.length === 0) return [];
  const g = new BatchGeneration(prompts, opts);
  const cache = new KvCache(model.config.numLayers);
  try {
    while (!g.done) {
      const feed = g.next();
      g.accept(toHost(() => lastLogits(model, feed, cache, opts.adapters)));
    }
    return g.results();
  } finally {
    cache.dispose();
  }
}

/** Asynchronous batched generation: works on every backend, including webgpu in Node. */
export async function generateBatchAsync(model: CausalLM, prompts: number[][], opts: BatchGenerateOptions): Promise<GenerateResult[]> {
  if (prompts.length === 0) return [];
  const g = new BatchGeneration(prompts, opts);
  const cache = new KvCache(model.config.numLayers);
  try {
    while (!g.done) {
      const feed = g.next();
      g.accept(await toHostAsync(() => lastLogits(model, feed, cache, opts.adapters)));
    }
    return g.results();
  } finally {
    cache.dispose();
  }
}

/** What one batched forward call consumes, for engines other than tfjs. */
export interface BatchStep {
  batch: number;
  /** [B * T], left-padded on the first call. */
  ids: Int32Array;
  steps: number;
  /** [B * (past + T)] 0/1. */
  keyMask: Float32Array;
  first: boolean;
}

/** The same batched loop over any engine: `next` returns the last column's logits [B * V]. */
export async function generateBatchWith(prompts: number[][], opts: BatchGenerateOptions, next: (step: BatchStep) => Promise<Float32Array>): Promise<GenerateResult[]> {
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
