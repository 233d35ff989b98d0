/** buildMaskAndPositions: the host mask as a [B, 1, T, P + past + T] tensor, positions passed through. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MASKED, buildMaskAndPositions, hostMaskAndPositions } from './attention-mask';

await tf.setBackend('cpu');

const M = MASKED;

test('a left-padded batch: [B, 1, T, cols] mask with causality and padding, positions from the cumsum', () => {
  const { mask, positions } = buildMaskAndPositions([1, 1, 0, 1], 2, 2, 0, 0);
  assert.deepEqual(mask.shape, [2, 1, 2, 2]);
  // prettier-ignore
  assert.deepEqual(Array.from(mask.dataSync()), [
    0, M,   0, 0, // row 0
    M, M,   M, 0, // row 1: column 0 is padding
  ]);
  assert.deepEqual(Array.from(positions), [0, 1, 1, 0]);
  mask.dispose();
});

test('with a prefix and a past the tensor holds exactly the host mask, P + past + T columns wide', () => {
  const keyMask = [1, 1, 1, 0, 1, 1];
  const { mask, positions } = buildMaskAndPositions(keyMask, 2, 2, 1, 3);
  assert.deepEqual(mask.shape, [2, 1, 2, 3 + 1 + 2]);
  const host = hostMaskAndPositions(keyMask, 2, 2, 1, 3);
  assert.deepEqual(Array.from(mask.dataSync()), Array.from(host.mask));
  assert.deepEqual(Array.from(positions), Array.from(host.positions));
  // row 0, step 0: prefix visible, past visible, current visible, next step masked
  assert.deepEqual(Array.from(mask.dataSync().slice(0, 6)), [0, 0, 0, 0, 0, M]);
  assert.deepEqual(Array.from(positions), [4, 5, 3, 4]);
  mask.dispose();
});
