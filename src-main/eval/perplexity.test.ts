import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LossAccumulator, perplexity } from './perplexity';

test('perplexity is exp(mean loss)', () => {
  assert.equal(perplexity(0), 1);
  assert.ok(Math.abs(perplexity(Math.log(42)) - 42) < 1e-9);
  assert.equal(perplexity(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
});

test('the accumulator weights batches by their target tokens', () => {
  const acc = new LossAccumulator();
  assert.ok(Number.isNaN(acc.loss));
  acc.add(2.0, 10);
  acc.add(1.0, 30);
  acc.add(5.0, 0); // a batch without targets adds nothing
  assert.equal(acc.tokens, 40);
  assert.equal(acc.loss, 1.25); // (2·10 + 1·30) / 40, not (2 + 1) / 2
  assert.ok(Math.abs(acc.perplexity - Math.exp(1.25)) < 1e-12);
});
