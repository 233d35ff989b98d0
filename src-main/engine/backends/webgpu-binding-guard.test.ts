import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { webgpuSkipReason } from '../../test-support/webgpu';
import { guardWebgpuBindings } from './webgpu-binding-guard';

const skip = await webgpuSkipReason();

test('webgpu: a tensor over maxStorageBufferBindingSize is refused with one line, not computed as zeros', { skip }, async () => {
  const limit = guardWebgpuBindings();
  assert.ok(limit && limit > 0, 'the guard knows the device limit');
  const fine = tf.ones([1024]);
  assert.equal((await tf.sum(fine).data())[0], 1024);
  // One float32 element over the limit.
  const over = limit / 4 + 1;
  const err = await (async () => {
    try {
      return await tf.sum(tf.ones([over])).data();
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(err instanceof Error, 'refused');
  assert.match(err.message, /^--backend webgpu: a tensor of \d+\.\d MiB is over this WebGPU device's \d+\.\d MiB storage-buffer limit \(maxStorageBufferBindingSize\); on webgpu it would compute zeros — use --backend cpu/);
  assert.ok(!err.message.includes('\n'));
  fine.dispose();
});
