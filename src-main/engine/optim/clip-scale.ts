/**
 * Clipping as torch.nn.utils.clip_grad_norm_: every gradient times min(1, maxNorm / (norm + 1e-6)),
 * the norm taken over all gradients together. maxNorm 0 = off.
 */
export function clipScale(maxNorm: number, norm: number): number {
  if (!(maxNorm > 0)) return 1;
  const coef = maxNorm / (norm + 1e-6);
  return coef >= 1 ? 1 : coef;
}
