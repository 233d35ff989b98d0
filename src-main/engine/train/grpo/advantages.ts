/**
 * GRPO's group-relative advantages (DeepSeekMath §4.1.2, TRL GRPOTrainer): the G completions of one
 * prompt are scored, and each reward is normalised within its group, A = (r - mean) / (std + eps).
 * As TRL: std is torch's default (unbiased, Bessel's n - 1) and eps = 1e-4, so a group whose rewards
 * are all equal gets advantages of exactly 0 (nothing to learn from it).
 */

export const ADVANTAGE_EPS = 1e-4;

export interface GroupStats {
  mean: number;
  std: number;
}

export function groupStats(rewards: readonly number[]): GroupStats {
  const n = rewards.length;
  const mean = rewards.reduce((s, r) => s + r, 0) / n;
  const ss = rewards.reduce((s, r) => s + (r - mean) ** 2, 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

/** Advantages of `rewards` laid out prompt-major: rewards[p * groupSize + i] is completion i of prompt p. */
export function groupAdvantages(rewards: readonly number[], groupSize: number, eps = ADVANTAGE_EPS): number[] {
  if (groupSize < 1 || rewards.length % groupSize !== 0) throw new Error(`${rewards.length} rewards do not split into groups of ${groupSize}`);
  const out = new Array<number>(rewards.length);
  for (let p = 0; p < rewards.length; p += groupSize) {
    const group = rewards.slice(p, p + groupSize);
    const { mean, std } = groupStats(group);
    for (let i = 0; i < groupSize; i++) out[p + i] = (group[i] - mean) / (std + eps);
  }
  return out;
}
