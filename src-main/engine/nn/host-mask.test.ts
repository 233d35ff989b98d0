/** The host-side mask and position ids against hand-written tables: causality, padding, prefix columns, spare columns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASKED, hostMaskAndPositions } from './host-mask';

const M = MASKED;

test('causal mask and cumsum positions; a left-padded row masks its padding and gives it position 1', () => {
  const { mask, positions } = hostMaskAndPositions([1, 1, 1, 0, 1, 1], 2, 3, 0, 0);
  assert.equal(mask.length, 2 * 3 * 3); // [B 2][T 3][cols 3]
  // prettier-ignore
  assert.deepEqual(Array.from(mask), [
    0, M, M,   0, 0, M,   0, 0, 0, // row 0: plain causal
    M, M, M,   M, 0, M,   M, 0, 0, // row 1: column 0 is padding
  ]);
  assert.deepEqual(Array.from(positions), [0, 1, 2, 1, 0, 1]);
  assert.ok(Number.isFinite(M), 'a fully masked row must stay finite after softmax');
});

test('prefix columns are always visible, past keys count, spare columns beyond P + past + T are masked', () => {
  // P 2, past 1, T 1, cols 6: [prefix 0, prefix 1][past][current][spare][spare]
  const { mask, positions } = hostMaskAndPositions([1, 1], 1, 1, 1, 2, 6);
  assert.equal(mask.length, 6);
  assert.deepEqual(Array.from(mask), [0, 0, 0, 0, M, M]);
  assert.deepEqual(Array.from(positions), [3], 'positions count the prefix: cumsum over [1, 1, past, current] - 1');
});

test('padding in the past is masked for later steps too, and positions skip it', () => {
  // past 2 (second is padding), T 2
  const { mask, positions } = hostMaskAndPositions([1, 0, 1, 1], 1, 2, 2, 0);
  // prettier-ignore
  assert.deepEqual(Array.from(mask), [
    0, M, 0, M,
    0, M, 0, 0,
  ]);
  assert.deepEqual(Array.from(positions), [1, 2]);
});

test('a mask of the wrong length is refused with the expected shape', () => {
  assert.throws(() => hostMaskAndPositions([1, 1, 1], 2, 2, 0, 0), { message: 'attention mask has 3 entries, expected [2, 2]' });
});
