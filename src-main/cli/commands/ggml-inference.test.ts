/**
 * The ggml engine behind `tuneloom generate` / `inspect logits`: the backend line and JSON `engine`,
 * `--weights`, the old backend names, and each bad input of issue 13 as one stderr line (exit 1).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTuneloom, type CliResult } from '../../test-support/cli';
import { tempDir, tinyQwen2Model } from '../../test-support/paths';

function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, pattern);
}

const logits = ['inspect', 'logits', '--model', tinyQwen2Model, '--ids', '1,2,3', '--json'];

test('inspect logits --weights q8_0 --json names the engine and the weights type', async () => {
  const r = await runTuneloom([...logits, '--backend', 'cpu', '--weights', 'q8_0']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { positions: unknown[]; engine: { name: string; backend: string; version: string }; timing: { load_s: number } };
  assert.equal(out.positions.length, 3);
  assert.deepEqual([out.engine.name, out.engine.backend, out.engine.version], ['ggml', 'cpu', '0.23.0']);
  assert.ok(out.timing.load_s > 0);
  assert.match(r.stderr, /^backend cpu: CPU .*asked for; weights q8_0$/m);
});

test('an old backend name maps to its ggml backend with a one-line notice', async () => {
  const r = await runTuneloom([...logits, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^--backend wasm is a name of the old engine; using --backend cpu$/m);
});

test('--backend cuda without the CUDA driver/runtime says what is missing and names vulkan', async () => {
  // This machine has no libcuda; on one with CUDA the command would simply run.
  const r = await runTuneloom([...logits, '--backend', 'cuda']);
  if (r.code === 0) return;
  assertOneLineError(r, /--backend cuda: .*(libcuda|CUDA runtime|cuBLAS).*--backend vulkan/);
});

test('TUNELOOM_GGML_DIR pointing at a folder without ggml is one line', async () => {
  assertOneLineError(
    await runTuneloom([...logits, '--backend', 'cpu'], { env: { TUNELOOM_GGML_DIR: tempDir() } }),
    /TUNELOOM_GGML_DIR=.* holds no usable ggml libraries: .* has no ggml-base\/ggml library; point it at a folder/,
  );
});

test('an unknown --weights or --backend is one line', async () => {
  assertOneLineError(await runTuneloom([...logits, '--weights', 'q3']), /--weights: unknown weights type "q3" — choose one of f32, f16, q8_0, q4/);
  assertOneLineError(await runTuneloom([...logits, '--backend', 'tpu']), /--backend: unknown backend "tpu" — choose one of auto, cpu, vulkan, cuda, metal/);
});
