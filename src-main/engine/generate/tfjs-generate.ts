/**
 * The generation loops (generate.ts, generate-batch.ts) driven by the tfjs decoder: only the tfjs
 * TrainEngine's samples and the tfjs reference tests use this; every product path generates on ggml.
 * `generate`/`generateBatch` read back synchronously (cpu/wasm), the Async variants on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LoraSet } from '../adapters/lora-set';
import type { CausalLM, PrefixKv } from '../models/causal-lm';
import { KvCache } from '../nn/kv-cache';
import { toHost, toHostAsync } from '../nn/to-host';
import { Generation, type GenerateOptions, type GenerateResult } from './generate';
import { BatchGeneration, type BatchFeed, type BatchGenerateOptions } from './generate-batch';

export interface TfjsGenerateOptions extends GenerateOptions {
  adapters?: LoraSet;
  prefix?: PrefixKv[];
}

export interface TfjsBatchGenerateOptions extends BatchGenerateOptions {
  adapters?: LoraSet;
  /** Batch-1 prefix per layer; broadcast over the batch for the prefill call. */
  prefix?: PrefixKv[];
}

/** The last position's logits [1, 1, V] after feeding `ids` (appending to the cache). */
function lastLogits(model: CausalLM, ids: number[], cache: KvCache, adapters?: LoraSet, prefix?: PrefixKv[]): tf.Tensor {
  const hidden = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { kvCache: cache, adapters, prefix }); // [1, T, H]
  const last = tf.slice(hidden, [0, ids.length - 1, 0], [1, 1, -1]); // [1, 1, H]
  return model.lmHead(last); // [1, 1, V]
}

/** Host copy [V] of the next-token logits (sync: cpu/wasm backends). */
export function nextTokenLogits(model: CausalLM, ids: number[], cache: KvCache, adapters?: LoraSet, prefix?: PrefixKv[]): Float32Array {
  return toHost(() => lastLogits(model, ids, cache, adapters, prefix));
}

export function nextTokenLogitsAsync(model: CausalLM, ids: number[], cache: KvCache, adapters?: LoraSet, prefix?: PrefixKv[]): Promise<Float32Array> {
  return toHostAsync(() => lastLogits(model, ids, cache, adapters, prefix));
}

/** Synchronous generation (cpu and wasm backends); the prefix goes in with the prompt, then lives in the cache. */
export function generate(model: CausalLM, promptIds: number[], opts: TfjsGenerateOptions): GenerateResult {
  const g = new Generation(promptIds, opts);
  const cache = new KvCache(model.config.numLayers);
  let prefix = opts.prefix;
  try {
    while (!g.done) {
      g.accept(nextTokenLogits(model, g.feed, cache, opts.adapters, prefix));
      prefix = undefined;
    }
    return g.finish();
  } finally {
    cache.dispose();
  }
}

/** Asynchronous generation: works on every tfjs backend, including webgpu in Node. */
export async function generateAsync(model: CausalLM, promptIds: number[], opts: TfjsGenerateOptions): Promise<GenerateResult> {
  const g = new Generation(promptIds, opts);
  const cache = new KvCache(model.config.numLayers);
  let prefix = opts.prefix;
  try {
    while (!g.done) {
      g.accept(await nextTokenLogitsAsync(model, g.feed, cache, opts.adapters, prefix));
      prefix = undefined;
    }
    return g.finish();
  } finally {
    cache.dispose();
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
function lastBatchLogits(model: CausalLM, feed: BatchFeed, cache: KvCache, adapters?: LoraSet, prefix?: PrefixKv[]): tf.Tensor {
  const b = feed.batch;
  const inputIds = tf.tensor2d(feed.ids, [b, feed.steps], 'int32'); // [B, T]
  const attentionMask = tf.tensor2d(feed.keyMask, [b, cache.pastLength + feed.steps]); // [B, past + T]
  const hidden = model.forward(inputIds, { kvCache: cache, attentionMask, adapters, prefix: prefix ? broadcastPrefix(prefix, b) : undefined }); // [B, T, H]
  const last = tf.slice(hidden, [0, feed.steps - 1, 0], [b, 1, -1]); // [B, 1, H]: left padding puts every row's last token here
  return model.lmHead(last); // [B, 1, V]
}

/** Synchronous batched generation (cpu and wasm backends). Results are in prompt order. */
export function generateBatch(model: CausalLM, prompts: number[][], opts: TfjsBatchGenerateOptions): GenerateResult[] {
  if (prompts.length === 0) return [];
  const g = new BatchGeneration(prompts, opts);
  const cache = new KvCache(model.config.numLayers);
  let prefix = opts.prefix;
  try {
    while (!g.done) {
      const feed = g.next();
      g.accept(toHost(() => lastBatchLogits(model, feed, cache, opts.adapters, prefix)));
      prefix = undefined;
    }
    return g.results();
  } finally {
    cache.dispose();
  }
}

/** Asynchronous batched generation: works on every tfjs backend, including webgpu in Node. */
export async function generateBatchAsync(model: CausalLM, prompts: number[][], opts: TfjsBatchGenerateOptions): Promise<GenerateResult[]> {
  if (prompts.length === 0) return [];
  const g = new BatchGeneration(prompts, opts);
  const cache = new KvCache(model.config.numLayers);
  let prefix = opts.prefix;
  try {
    while (!g.done) {
      const feed = g.next();
      g.accept(await toHostAsync(() => lastBatchLogits(model, feed, cache, opts.adapters, prefix)));
      prefix = undefined;
    }
    return g.results();
  } finally {
    cache.dispose();
  }
}
