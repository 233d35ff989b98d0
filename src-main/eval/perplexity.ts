/**
 * Eval loss and perplexity. The loss is the mean token cross-entropy in nats (what the trainer and
 * transformers report); perplexity is exp(loss). Token-weighted averaging over batches matters:
 * averaging per-batch means would over-weight short batches.
 */

export function perplexity(meanLoss: number): number {
  if (!Number.isFinite(meanLoss)) return Number.POSITIVE_INFINITY;
  return Math.exp(meanLoss);
}

/** Sums (loss · tokens) over batches so the mean is per token, then gives loss and perplexity. */
export class LossAccumulator {
  #sum = 0;
  #tokens = 0;

  /** `meanLoss` over `tokens` target tokens of one batch. */
  add(meanLoss: number, tokens: number): void {
    if (tokens <= 0) return;
    this.#sum += meanLoss * tokens;
    this.#tokens += tokens;
  }

  get tokens(): number {
    return this.#tokens;
  }

  /** Mean loss per token; NaN before any token was added. */
  get loss(): number {
    return this.#tokens === 0 ? Number.NaN : this.#sum / this.#tokens;
  }

  get perplexity(): number {
    return perplexity(this.loss);
  }
}
