/**
 * Teacher-forced token loss of one sequence on the ggml decoder (what eval reports as loss and
 * perplexity): the ids go through the model in chunks that append to one KV cache, each chunk's
 * logits come back whole ('all'), and the negative log-likelihood of every target is summed on the
 * host in float64 (logsumexp - logit), as transformers' CrossEntropyLoss does. Chunking bounds the
 * logits read back to about CHUNK_VALUES floats, whatever the sequence length: a 151,936-word
 * vocabulary at 512 tokens would otherwise be 311 MB per call.
 */
import { logSumExp } from '../generate/logit-stats';
import type { GgmlCausalLM, HostPrefix } from './causal-lm';

/** Logit values read back per chunk: ~64 MiB of f32. */
const CHUNK_VALUES = 16 * 2 ** 20;

export interface SequenceNll {
  /** Summed NLL (nats) over the counted targets. */
  nll: number;
  /** Targets counted (those that are not `ignoreIndex`). */
  count: number;
}

/**
 * `targets[t]` is the id expected after `ids[0..t]` (already shifted), or `ignoreIndex`.
 * A prefix-tuning prefix sits in the cache before the first id.
 */
export async function sequenceNll(
  model: GgmlCausalLM,
  ids: number[],
  targets: ArrayLike<number>,
  opts: { ignoreIndex: number; prefix?: HostPrefix; chunkTokens?: number },
): Promise<SequenceNll> {
  if (targets.length !== ids.length) throw new Error(`sequenceNll: ${targets.length} targets for ${ids.length} ids`);
  let last = -1;
  for (let t = 0; t < targets.length; t++) if (targets[t] !== opts.ignoreIndex) last = t;
  if (last < 0) return { nll: 0, count: 0 };
  const V = model.config.vocabSize;
  const chunk = Math.max(1, opts.chunkTokens ?? Math.floor(CHUNK_VALUES / V));
  // Positions after the last target never matter: they are not fed.
  const fed = last + 1;
  const cache = model.newCache(1, fed, opts.prefix);
  let nll = 0;
  let count = 0;
  try {
    for (let start = 0; start < fed; start += chunk) {
      const steps = Math.min(chunk, fed - start);
      const logits = await model.forward(cache, ids.slice(start, start + steps), steps, { logits: 'all' }); // [steps * V]
      for (let t = 0; t < steps; t++) {
        const target = targets[start + t];
        if (target === opts.ignoreIndex) continue;
        if (target < 0 || target >= V) throw new Error(`sequenceNll: target ${target} outside the vocabulary of ${V}`);
        nll += logSumExp(logits, t * V, (t + 1) * V) - logits[t * V + target];
        count++;
      }
    }
  } finally {
    cache.dispose();
  }
  return { nll, count };
}
