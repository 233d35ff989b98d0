import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAllocationFailure, serializeError, UserError } from './errors';

test('allocation failures of every backend cross boundaries as kind oom', () => {
  const failures: unknown[] = [
    new RangeError('Array buffer allocation failed'), // V8 typed array (tfjs cpu)
    new RangeError('Invalid typed array length: 4294967296'),
    Object.assign(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.'), { name: 'RuntimeError' }), // wasm heap
    new Error('Cannot enlarge memory arrays to size 4294967296 bytes'),
    Object.assign(new Error('Out of memory'), { name: 'GPUOutOfMemoryError' }), // WebGPU
    Object.assign(new Error('buffer creation failed'), { name: 'GPUOutOfMemoryError' }),
    new Error('CUDA error: out of memory'),
    new Error('ggml_backend_alloc: failed to allocate CUDA0 buffer of size 2147483648'),
  ];
  for (const f of failures) {
    assert.ok(isAllocationFailure(f), String(f));
    assert.equal(serializeError(f).kind, 'oom', String(f));
  }
});

test('other errors keep their kind', () => {
  assert.equal(serializeError(new TypeError("Cannot read properties of undefined (reading 'shape')")).kind, 'internal');
  assert.equal(serializeError(new UserError('bad', { kind: 'bad-data' })).kind, 'bad-data');
  assert.equal(serializeError(new Error('zoom level')).kind, 'internal', '"oom" inside a word is not OOM');
});
