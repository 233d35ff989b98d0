import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { testBackend, vulkanSkipReason } from '../../test-support/ggml';
import { GgmlType } from './ffi';
import { checkAbi, PINNED_GGML, type GgmlLibrary } from './library';
import { BackendBuffer, GgmlContext, GraphAllocator, nativeMemory } from './owners';

async function matVec(lib: GgmlLibrary, b: ReturnType<typeof testBackend>['backend']): Promise<number[]> {
  const { base, backend: api } = lib;
  const wctx = new GgmlContext(lib, 2);
  const a = base.ggml_new_tensor(wctx.ptr, GgmlType.F32, 2, BigInt64Array.from([3n, 2n])); // [3, 2]
  const x = base.ggml_new_tensor(wctx.ptr, GgmlType.F32, 2, BigInt64Array.from([3n, 1n])); // [3, 1]
  const buf = new BackendBuffer(lib, wctx, b.ptr, 'test weights');
  api.ggml_backend_tensor_set(a, new Float32Array([1, 2, 3, 4, 5, 6]), 0, 24);
  api.ggml_backend_tensor_set(x, new Float32Array([1, 0, 2]), 0, 12);
  const gctx = new GgmlContext(lib, 16, 16);
  const y = base.ggml_mul_mat(gctx.ptr, a, x); // [2, 1]
  const graph = gctx.newGraph(16);
  base.ggml_build_forward_expand(graph, y);
  const alloc = new GraphAllocator(lib, b.bufferType());
  alloc.alloc(graph, 'test graph');
  b.assertSupported(graph);
  await b.compute(graph);
  const out = new Float32Array(2);
  api.ggml_backend_tensor_get(y, new Uint8Array(out.buffer), 0, 8);
  for (const o of [alloc, gctx, buf, wctx]) o.dispose();
  return Array.from(out);
}

test('ggml loads with the pinned version and struct layout, and computes on cpu', async () => {
  const { backend, reason } = testBackend('cpu');
  try {
    assert.match(reason, /^cpu: CPU/);
    assert.equal(backend.lib.version, PINNED_GGML.version);
    assert.equal(backend.lib.commit, PINNED_GGML.commit);
    assert.deepEqual(await matVec(backend.lib, backend), [7, 16]);
  } finally {
    backend.dispose();
  }
});

test('a library of another ggml version is refused in one line naming both versions', () => {
  const { backend } = testBackend('cpu');
  try {
    const fake = { ...backend.lib.base, ggml_version: () => '0.9.9', ggml_commit: () => 'abcdef0' } as unknown as GgmlLibrary['base'];
    assert.throws(
      () => checkAbi(fake, backend.lib.files),
      (e: Error) => /ggml 0\.9\.9 \(abcdef0\).*ggml 0\.23\.0 \(5b4ebc5\)/.test(e.message) && !e.message.includes('\n'),
    );
  } finally {
    backend.dispose();
  }
});

test('a foreign shared library in place of ggml is one line, not a crash', () => {
  // A fresh process: this one already holds the real ggml.
  const script = `import { loadGgmlLibrary } from './src-main/engine/ggml/library.ts';
    try { loadGgmlLibrary({ dir: '/tmp', base: process.env.FOREIGN, ggml: process.env.FOREIGN, source: 'test' }); }
    catch (e) { console.log('ERR ' + e.message); process.exit(0); } console.log('LOADED');`;
  const foreign = ['/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/libz.so.1'].find((p) => spawnSync('test', ['-e', p]).status === 0);
  assert.ok(foreign, 'libz is on every Debian machine');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, FOREIGN: foreign },
  });
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.trim();
  assert.match(line, /^ERR .*is not a ggml 0\.23\.0 library.*reinstall Tuneloom/);
  assert.equal(line.split('\n').length, 1);
});

test('native memory stays flat across 50 allocate/compute/dispose rounds', async () => {
  const { backend } = testBackend('cpu');
  try {
    await matVec(backend.lib, backend);
    const before = nativeMemory();
    for (let i = 0; i < 50; i++) await matVec(backend.lib, backend);
    const after = nativeMemory();
    assert.deepEqual(after, before);
    assert.equal(after.leaked, 0);
  } finally {
    backend.dispose();
  }
});

const noVulkan = vulkanSkipReason();
test('the same graph computes on vulkan', { skip: noVulkan }, async () => {
  const { backend, reason } = testBackend('vulkan');
  try {
    assert.match(reason, /^vulkan: Vulkan0/);
    assert.deepEqual(await matVec(backend.lib, backend), [7, 16]);
  } finally {
    backend.dispose();
  }
});
