import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../../engine-node/register-gradients';
import { AdamW } from './adamw';
import { lrAt, resolveWarmupSteps } from './schedule';
import { clipByGlobalNorm, globalNorm } from './clip';

await registerGradients();
await tf.setBackend('cpu');

/** torch.optim.AdamW's single-tensor update written out in float64, as the reference. */
function torchAdamW(p: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const x = [...p];
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < x.length; i++) {
      x[i] *= 1 - lr * wd;
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t) + eps;
      x[i] -= (lr / (1 - b1 ** t)) * (m[i] / denom);
    }
  });
  return x;
}

test('AdamW matches the torch update rule over three steps, and its state round-trips', async () => {
  const p0 = [0.5, -1.25, 2, 1e-3];
  const grads = [
    [0.1, -0.2, 0.3, 1e-6],
    [0.05, 0.2, -0.1, 0],
    [-0.3, 0.01, 0.02, 0.4],
  ];
  const w = tf.variable(tf.tensor1d(p0));
  const opt = new AdamW(new Map([['w', w]]), { weightDecay: 0.01 });
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    opt.apply({ w: gt }, 1e-3);
    gt.dispose();
  }
  const want = torchAdamW(p0, grads, 1e-3, 0.01);
  const got = Array.from(w.dataSync());
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `param ${i}: ${x} vs ${want[i]}`));

  const state = await opt.getState();
  assert.equal(state.step, 3);
  const w2 = tf.variable(tf.tensor1d(got));
  const opt2 = new AdamW(new Map([['w', w2]]), { weightDecay: 0.01 });
  opt2.setState(state);
  const g4 = tf.tensor1d([0.2, 0.2, 0.2, 0.2]);
  opt.apply({ w: g4 }, 1e-3);
  opt2.apply({ w: g4 }, 1e-3);
  assert.deepEqual(Array.from(w2.dataSync()), Array.from(w.dataSync()));
  for (const t of [g4, w, w2]) t.dispose();
  opt.dispose();
  opt2.dispose();
});

test('schedules follow transformers get_*_schedule_with_warmup', () => {
  const base = { baseLr: 1, totalSteps: 10, warmupSteps: 2 };
  assert.deepEqual(
    [0, 1, 2, 3, 9].map((s) => lrAt({ ...base, kind: 'linear' }, s)),
    [0, 0.5, 1, 7 / 8, 1 / 8],
  );
  assert.deepEqual(
    [0, 1, 2, 9].map((s) => lrAt({ ...base, kind: 'constant' }, s)),
    [0, 0.5, 1, 1],
  );
  const cos = (s: number) => lrAt({ ...base, kind: 'cosine' }, s);
  assert.equal(cos(2), 1);
  assert.ok(Math.abs(cos(6) - 0.5) < 1e-12, 'halfway through the decay is 0.5');
  assert.ok(Math.abs(cos(9) - 0.5 * (1 + Math.cos((Math.PI * 7) / 8))) < 1e-12);
  assert.equal(lrAt({ kind: 'constant', baseLr: 3e-4, totalSteps: 5 }, 0), 3e-4);
  // warmup ratio rounds up like TrainingArguments.get_warmup_steps
  assert.equal(resolveWarmupSteps({ kind: 'linear', baseLr: 1, totalSteps: 33, warmupRatio: 0.1 }), 4);
});

test('global-norm clipping scales every gradient by maxNorm / (norm + 1e-6), and 0 disables it', async () => {
  const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
  const norm = await globalNorm(grads);
  assert.equal(norm, 5);
  const off = clipByGlobalNorm(grads, 0, norm);
  assert.equal(off.clipped, false);
  const on = clipByGlobalNorm(grads, 1, norm);
  assert.equal(on.clipped, true);
  const coef = 1 / (5 + 1e-6);
  assert.ok(Math.abs(on.grads.a.dataSync()[0] - 3 * coef) < 1e-6);
  assert.ok(Math.abs((await globalNorm(on.grads)) - 1) < 1e-5);
  for (const t of [...Object.values(grads), ...Object.values(on.grads)]) t.dispose();
});
