import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupAdvantages } from './advantages';
import { grpoLoss, type CompletionLogProbs } from './loss';

const close = (a: number, b: number, tol = 1e-6, what = '') => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

// 2 prompts x 4 completions. Group 0 rewards [1, 0, 0, 0]: mean 1/4, unbiased std
// sqrt((9/16 + 3/16) / 3) = 1/2. Group 1 rewards [1, 1, 0, 0]: mean 1/2, std sqrt((4/4) / 3) = 1/sqrt(3).
const rewards = [1, 0, 0, 0, 1, 1, 0, 0];
const byHand = [
  0.75 / 0.5001,
  -0.25 / 0.5001,
  -0.25 / 0.5001,
  -0.25 / 0.5001,
  0.5 / (1 / Math.sqrt(3) + 1e-4),
  0.5 / (1 / Math.sqrt(3) + 1e-4),
  -0.5 / (1 / Math.sqrt(3) + 1e-4),
  -0.5 / (1 / Math.sqrt(3) + 1e-4),
];

test('group advantages are (r - mean) / (unbiased std + 1e-4) within each group, 0 for a flat group', () => {
  const a = groupAdvantages(rewards, 4);
  a.forEach((v, i) => close(v, byHand[i], 1e-9, `A[${i}]`));
  assert.deepEqual(groupAdvantages([0.3, 0.3, 0.3], 3), [0, 0, 0]);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /groups of 2/);
});

// Fixed per-token log-probs; completion lengths 1..4 so the length normalisation matters.
const lengths = [3, 1, 2, 4, 2, 3, 1, 2];
const logpOf = (i: number, t: number) => -0.5 - 0.1 * i - 0.05 * t;
const refOf = (i: number, t: number) => -0.6 - 0.07 * i + 0.03 * t;

function completions(old: (i: number, t: number) => number, logp = logpOf): CompletionLogProbs[] {
  return lengths.map((T, i) => ({
    logp: Array.from({ length: T }, (_, t) => logp(i, t)),
    oldLogp: Array.from({ length: T }, (_, t) => old(i, t)),
    refLogp: Array.from({ length: T }, (_, t) => refOf(i, t)),
    advantage: byHand[i],
  }));
}

/** The objective written out token by token, straight from the formula (the test's own reference). */
function referenceLoss(cs: CompletionLogProbs[], beta: number, eps: number): number {
  let total = 0;
  for (const c of cs) {
    let s = 0;
    for (let t = 0; t < c.logp.length; t++) {
      const ratio = Math.exp(c.logp[t] - c.oldLogp[t]);
      const clipped = Math.min(Math.max(ratio, 1 - eps), 1 + eps);
      const kl = Math.exp(c.refLogp[t] - c.logp[t]) - (c.refLogp[t] - c.logp[t]) - 1;
      s += -Math.min(ratio * c.advantage, clipped * c.advantage) + beta * kl;
    }
    total += s / c.logp.length;
  }
  return total / cs.length;
}

test('on-policy (ratio 1): loss = beta * mean KL since advantages sum to 0; coefficients by hand', () => {
  const cs = completions(logpOf);
  const beta = 0.04;
  const out = grpoLoss(cs, { beta, epsilon: 0.2 });
  close(out.loss, referenceLoss(cs, beta, 0.2), 1e-9, 'loss');
  // sum_i of -A_i is 0 per group, so only the KL is left.
  let kl = 0;
  cs.forEach((c) => {
    let s = 0;
    for (let t = 0; t < c.logp.length; t++) s += Math.exp(c.refLogp[t] - c.logp[t]) - (c.refLogp[t] - c.logp[t]) - 1;
    kl += s / c.logp.length / cs.length;
  });
  close(out.loss, beta * kl, 1e-9, 'loss = beta * kl');
  close(out.meanKl, kl, 1e-9, 'kl');
  assert.equal(out.clipFraction, 0);
  // d loss / d logp_{i,t} = (1 / (8 |o_i|)) * (-A_i + beta * (1 - exp(ref - logp))).
  cs.forEach((c, i) => {
    for (let t = 0; t < lengths[i]; t++) {
      const want = (1 / (8 * lengths[i])) * (-byHand[i] + beta * (1 - Math.exp(refOf(i, t) - logpOf(i, t))));
      close(out.coefficients[i][t], want, 1e-6, `c[${i}][${t}]`);
    }
  });
});

test('off-policy: the clip binds on some tokens, and the coefficients equal finite differences of the loss', () => {
  // Old log-probs far enough from logp that some ratios leave [0.8, 1.2].
  const old = (i: number, t: number) => logpOf(i, t) + (i % 2 ? 0.4 : -0.3) * (t % 2 ? 1 : 0.1);
  const cs = completions(old);
  const beta = 0.1;
  const out = grpoLoss(cs, { beta, epsilon: 0.2 });
  close(out.loss, referenceLoss(cs, beta, 0.2), 1e-9, 'loss');
  assert.ok(out.clipFraction > 0 && out.clipFraction < 1, `clip fraction ${out.clipFraction}`);
  const h = 1e-6;
  cs.forEach((c, i) => {
    for (let t = 0; t < lengths[i]; t++) {
      const bump = (d: number) => completions(old, (j, u) => logpOf(j, u) + (j === i && u === t ? d : 0));
      const fd = (referenceLoss(bump(h), beta, 0.2) - referenceLoss(bump(-h), beta, 0.2)) / (2 * h);
      close(out.coefficients[i][t], fd, 1e-5, `c[${i}][${t}]`);
    }
  });
});
