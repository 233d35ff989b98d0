/**
 * The GRPO objective on per-token log-probs (TRL GRPOTrainer, loss_type "grpo", the DeepSeekMath form):
 *
 *   ratio_t   = exp(logp_t - oldLogp_t)
 *   surr_t    = min(ratio_t * A, clip(ratio_t, 1 - eps, 1 + epsHigh) * A)
 *   kl_t      = exp(ref_t - logp_t) - (ref_t - logp_t) - 1          (Schulman's k3 estimator, >= 0)
 *   loss_t    = -surr_t + beta * kl_t
 *   loss      = mean over sequences of ( sum_t loss_t / |o_i| )         (per-sequence length normalisation)
 *
 * and its gradient with respect to each token's log-prob, which is all the trainer needs: the logits'
 * gradient is c_t * (onehot - softmax) per completion token (d logp / d logits).
 *   d surr_t / d logp_t = ratio_t * A where the unclipped term is the minimum (or ratio inside the
 *                         clip range), else 0 (the clipped term is constant in logp);
 *   d kl_t   / d logp_t = 1 - exp(ref_t - logp_t).
 * With one update per generation (TRL num_iterations = 1) oldLogp = logp, so ratio = 1 and the clip
 * never binds; it is kept so more iterations per generation stay correct.
 */

export interface GrpoLossOptions {
  /** KL coefficient (TRL's default 0.04). */
  beta: number;
  /** Lower clip range (TRL epsilon, 0.2). */
  epsilon: number;
  /** Upper clip range (TRL epsilon_high, defaults to epsilon). */
  epsilonHigh?: number;
}

export const GRPO_LOSS_DEFAULTS: GrpoLossOptions = { beta: 0.04, epsilon: 0.2 };

/** One completion's tokens: log-probs of the sampled token under the policy, old policy and reference. */
export interface CompletionLogProbs {
  logp: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  refLogp: ArrayLike<number>;
  advantage: number;
}

export interface GrpoLoss {
  loss: number;
  /** Mean over sequences of each one's mean token KL (what TRL logs as "kl"). */
  meanKl: number;
  /** Fraction of tokens whose clipped term is active (TRL "clip_ratio"). */
  clipFraction: number;
  /** d loss / d logp for every token, per completion. */
  coefficients: Float32Array[];
}

export function grpoLoss(completions: readonly CompletionLogProbs[], opts: GrpoLossOptions = GRPO_LOSS_DEFAULTS): GrpoLoss {
  const lo = 1 - opts.epsilon;
  const hi = 1 + (opts.epsilonHigh ?? opts.epsilon);
  const nSeq = completions.length;
  let loss = 0;
  let kl = 0;
  let clipped = 0;
  let tokens = 0;
  const coefficients = completions.map((c) => {
    const T = c.logp.length;
    const coef = new Float32Array(T);
    // clamp(min=1) as TRL: an empty completion adds nothing and never divides by 0.
    const norm = 1 / (nSeq * Math.max(1, T));
    let seqLoss = 0;
    let seqKl = 0;
    for (let t = 0; t < T; t++) {
      const ratio = Math.exp(c.logp[t] - c.oldLogp[t]);
      const unclipped = ratio * c.advantage;
      const clippedTerm = Math.min(hi, Math.max(lo, ratio)) * c.advantage;
      const surr = Math.min(unclipped, clippedTerm);
      // The gradient flows through the unclipped term unless the clipped one is strictly smaller.
      const flows = unclipped <= clippedTerm;
      if (!flows) clipped++;
      const d = c.refLogp[t] - c.logp[t];
      const k3 = Math.exp(d) - d - 1;
      seqLoss += -surr + opts.beta * k3;
      seqKl += k3;
      coef[t] = norm * (-(flows ? unclipped : 0) + opts.beta * (1 - Math.exp(d)));
    }
    loss += seqLoss / Math.max(1, T) / nSeq;
    kl += seqKl / Math.max(1, T) / nSeq;
    tokens += T;
    return coef;
  });
  return { loss, meanKl: kl, clipFraction: tokens ? clipped / tokens : 0, coefficients };
}
