/**
 * Generation on the ggml decoder: the engine's own loop (generate/generate.ts: sampling, logits
 * processors, thinking budget and "Wait" extension, streaming; generate-batch.ts: left-padded batches
 * with per-row state), with GgmlCausalLM as the model call. One KV cache per generation, sized for the
 * prompt plus maxNewTokens (forced thinking tokens count toward maxNewTokens).
 */
import { generateWith, type GenerateOptions, type GenerateResult } from '../generate/generate';
import { generateBatchWith, type BatchGenerateOptions } from '../generate/generate-batch';
import type { GgmlCausalLM, HostPrefix } from './causal-lm';

/** The loop's options plus a prefix, which goes into the KV cache before the prompt. */
export type GgmlGenerateOptions = GenerateOptions & { prefix?: HostPrefix };
export type GgmlBatchGenerateOptions = BatchGenerateOptions & { prefix?: HostPrefix };

export async function generateGgml(model: GgmlCausalLM, promptIds: number[], opts: GgmlGenerateOptions): Promise<GenerateResult> {
  const cache = model.newCache(1, promptIds.length + Math.max(0, opts.maxNewTokens), opts.prefix);
  try {
    return await generateWith(promptIds, opts, (feed) => model.forward(cache, feed, feed.length, { logits: 'last' }));
  } finally {
    cache.dispose();
  }
}

export async function generateBatchGgml(model: GgmlCausalLM, prompts: number[][], opts: GgmlBatchGenerateOptions): Promise<GenerateResult[]> {
  if (prompts.length === 0) return [];
  const longest = Math.max(...prompts.map((p) => p.length));
  const cache = model.newCache(prompts.length, longest + Math.max(0, opts.maxNewTokens), opts.prefix);
  try {
    return await generateBatchWith(prompts, opts, (s) => model.forward(cache, s.ids, s.steps, { keyMask: s.keyMask, logits: 'last' }));
  } finally {
    cache.dispose();
  }
}
