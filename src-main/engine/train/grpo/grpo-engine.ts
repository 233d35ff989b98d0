/**
 * What GRPO needs from a training engine beyond SFT (TrainEngine.grpo): sampling with the adapter,
 * per-token log-probs of the policy and of the reference (the same model with the adapter off, so no
 * second copy of the weights), and gradients of sum_t c_t * logp_t with per-token coefficients.
 */
import type { Batch } from '../batching';

export interface GrpoSampling {
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  eosIds: number[];
}

export interface GrpoEngine {
  /** `n` sampled continuations of one prompt (token ids, an EOS included when one ended it). */
  sampleCompletions(promptIds: number[], n: number, opts: GrpoSampling): Promise<number[][]>;
  /** log p(target) of every target row of `batch`, row-major; `reference`: with the adapter off. */
  targetLogProbs(batch: Batch, reference: boolean): Promise<Float32Array>;
  /** Zeroes the gradients, then accumulates d/dθ sum_t c_t logp_t over every batch (c row-major). */
  weightedGrads(batches: { batch: Batch; coefficients: Float32Array }[]): Promise<void>;
}
