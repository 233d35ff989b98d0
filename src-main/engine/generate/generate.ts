/**
 * Autoregressive generation for one sequence (transformers `generate` split the same way:
 * logits processors, sampler, stopping criteria, streamer): prefill the prompt once, then decode one
 * token at a time with the KV cache. Greedy or seeded temperature/top-k/top-p sampling, repetition
 * penalty, stop on any EOS id, optional thinking budget, and a callback per token for streaming.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LoraSet } from '../adapters/lora-set';
import type { CausalLM, PrefixKv } from '../models/causal-lm';
import { KvCache } from '../nn/kv-cache';
import { toHost } from '../nn/to-host';
import { applyRepetitionPenalty, applyTemperature, applyTopK, applyTopP } from './logits-processors';
import { argmax, sampleFromLogits } from './sampler';
import { SeededRng } from './seeded-rng';
import { TextStreamer } from './text-streamer';
import { ThinkingBudget, type ThinkingBudgetOptions } from './thinking-budget';

export type SamplingOptions = { greedy: true } | { greedy: false; temperature: number; topK: number; topP: number; seed: number };

export interface GenerateOptions {
  maxNewTokens: number;
  sampling: SamplingOptions;
  repetitionPenalty?: number;
  eosTokenIds: number[];
  adapters?: LoraSet;
  prefix?: PrefixKv[];
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
}

/** Logits of the last position after feeding `ids` (appending to the cache). Host copy [V]. */
export function nextTokenLogits(model: CausalLM, ids: number[], cache: KvCache, adapters?: LoraSet, prefix?: PrefixKv[]): Float32Array {
  return toHost(() => {
    const hidden = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { kvCache: cache, adapters, prefix }); // [1, T, H]
    const last = tf.slice(hidden, [0, ids.length - 1, 0], [1, 1, -1]); // [1, 1, H]
    return model.lmHead(last); // [1, 1, V]
  });
}

export function generate(model: CausalLM, promptIds: number[], opts: GenerateOptions): GenerateResult {
  const cache = new KvCache(model.config.numLayers);
  const rng = opts.sampling.greedy ? undefined : new SeededRng(opts.sampling.seed);
  const eos = new Set(opts.eosTokenIds);
  const thinking = opts.thinking ? new ThinkingBudget(opts.thinking, promptIds) : undefined;
  const streamer = opts.decode ? new TextStreamer(opts.decode) : undefined;
  const out: number[] = [];
  let finishReason: GenerateResult['finishReason'] = 'length';
  try {
    let feed = promptIds;
    let prefix = opts.prefix;
    while (out.length < opts.maxNewTokens) {
      const logits = nextTokenLogits(model, feed, cache, opts.adapters, prefix);
      prefix = undefined;
      applyRepetitionPenalty(logits, [...promptIds, ...out], opts.repetitionPenalty ?? 1);
      let next: number;
      if (opts.sampling.greedy) next = argmax(logits);
      else {
        applyTemperature(logits, opts.sampling.temperature);
        applyTopK(logits, opts.sampling.topK);
        applyTopP(logits, opts.sampling.topP);
        next = sampleFromLogits(logits, rng!);
      }
      const emitted = thinking ? thinking.intercept(next) : [next];
      const room = opts.maxNewTokens - out.length;
      feed = emitted.slice(0, room);
      let stop = false;
      for (const id of feed) {
        out.push(id);
        opts.onToken?.(id);
        const delta = streamer?.push(out);
        if (delta) opts.onText?.(delta);
        if (eos.has(id)) {
          finishReason = 'eos';
          stop = true;
          break;
        }
      }
      if (stop) break;
    }
    const rest = streamer?.flush(out);
    if (rest) opts.onText?.(rest);
  } finally {
    cache.dispose();
  }
  return { ids: out, finishReason };
}
