/** RoPE inverse frequencies against transformers' `ROPE_INIT_FUNCTIONS` written out by hand (default, linear, llama3). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RopeConfig } from '../config/model-config';
import { ropeInverseFrequencies } from './rope-frequencies';

function assertClose(got: ArrayLike<number>, want: number[], tol = 1e-12): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
}

const rope = (over: Partial<RopeConfig>): RopeConfig => ({
  theta: 10000,
  type: 'default',
  factor: 1,
  lowFreqFactor: 1,
  highFreqFactor: 4,
  originalMaxPositions: 8192,
  ...over,
});

test('default: inv[i] = theta^(-2i / hd), one per pair of the head dim', () => {
  const inv = ropeInverseFrequencies(rope({}), 4);
  assert.ok(inv instanceof Float64Array);
  assert.equal(inv.length, 2);
  assertClose(inv, [1, 0.01]);
  assertClose(ropeInverseFrequencies(rope({ theta: 1e6 }), 6), [1, 1e-2, 1e-4]);
});

test('linear: every frequency divided by factor', () => {
  assertClose(ropeInverseFrequencies(rope({ type: 'linear', factor: 2 }), 4), [0.5, 0.005]);
});

test('llama3: short wavelengths kept, long ones divided by factor, the band between blended', () => {
  // hd 8, theta 1e4: inv = [1, 0.1, 0.01, 0.001], wavelengths 2*pi/inv = [6.28, 62.8, 628, 6283].
  // originalMaxPositions 1000, low 1, high 4: wavelengths above 1000 are slowed, below 250 kept.
  const inv = ropeInverseFrequencies(rope({ type: 'llama3', factor: 8, originalMaxPositions: 1000 }), 8);
  const smooth = (1000 / ((2 * Math.PI) / 0.01) - 1) / (4 - 1); // 0.1971830...
  const blended = (1 - smooth) * (0.01 / 8) + smooth * 0.01; // 0.0029753...
  assertClose(inv, [1, 0.1, blended, 0.001 / 8]);
  assertClose([blended], [0.0029753521], 1e-8);
});
