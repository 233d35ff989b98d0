/**
 * A backend without the kernels a run needs (e.g. quantised MUL_MAT for `--weights q4` on a GPU
 * backend that lacks them) is refused in one line naming the op, its input types and the backend,
 * before anything computes (an unsupported op would abort the process inside ggml).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openWeightStore, readModelConfig } from '../../engine-node/load-model';
import { testBackend } from '../../test-support/ggml';
import { tinyQwen2Model } from '../../test-support/paths';
import { readTensor, sourcesOf } from '../ggml/backend';
import { GgmlType, type GraphPtr, type TensorPtr } from '../ggml/ffi';
import { collate } from '../train/batching';
import { FrozenWeights } from './frozen-weights';
import { GgmlLoraTrainer } from './lora-trainer';

test('q4 frozen weights on a backend without quantised MUL_MAT: one line naming the op and the backend, nothing computed', async () => {
  const config = readModelConfig(tinyQwen2Model);
  const { store, close } = await openWeightStore(tinyQwen2Model);
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'q4_0');
  close();
  // The CPU has every kernel; this stands in for a backend whose supports_op says no to q4_0 matmuls.
  const real = backend.supportsOp.bind(backend);
  const q4Input = (t: TensorPtr) => sourcesOf(t).some((p) => readTensor(backend.lib, p).type === GgmlType.Q4_0);
  backend.supportsOp = (t: TensorPtr) => real(t) && !(backend.lib.base.ggml_op_desc(t) === 'MUL_MAT' && q4Input(t));
  let computed = false;
  const compute = backend.compute.bind(backend);
  backend.compute = (g: GraphPtr) => {
    computed = true;
    return compute(g);
  };
  const lora = [
    {
      key: 'layers.0.self_attn.q_proj',
      layer: 0,
      proj: 'q' as const,
      r: 2,
      inDim: config.hiddenSize,
      outDim: config.numHeads * config.headDim,
      scale: 1,
      a: new Float32Array(2 * config.hiddenSize),
      b: new Float32Array(2 * config.numHeads * config.headDim),
    },
  ];
  const trainer = new GgmlLoraTrainer(backend, frozen, lora);
  try {
    const batch = collate([[{ ids: [1, 2, 3, 4], targets: [2, 3, 4, -100], source: 0 }]], 0, false);
    await assert.rejects(
      trainer.lossAndGrads([batch], [0]),
      (e: Error) =>
        e.name === 'UserError' &&
        /the cpu backend .* cannot run MUL_MAT \(first: MUL_MAT .*\(q4_0 x f32\)\); choose --backend cpu, or another --weights type/.test(e.message) &&
        !e.message.includes('\n'),
    );
    assert.equal(computed, false, 'nothing was computed');
  } finally {
    trainer.dispose();
    frozen.dispose();
    backend.dispose();
  }
});
