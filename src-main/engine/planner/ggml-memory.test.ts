/**
 * The ggml memory planner (ggml-memory.ts) against ggml itself, on the cpu backend:
 * - the frozen-weight and adapter bytes equal the buffers the engine allocates, in every type;
 * - the whole estimate is within 15% of the compute ggml's allocator sizes for the real training
 *   graph (built with no weights loaded: ggml-train/measure-memory.ts) on the benchmark shapes
 *   (bench-small 512 x 4, the Qwen2.5-0.5B shape 512 x 1 in bf16/f32/q4_0, with and without
 *   checkpointing) and on the variants (Qwen3's q/k norm, P-Tuning v2, LoRA dropout, q/v only);
 * - it is within 15% of nativeMemory()'s measured peak of real training steps of the tiny fixture.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SHAPES } from '../../../scripts/synthetic-checkpoint';
import { openWeightStore, readModelConfig } from '../../engine-node/load-model';
import { testBackend } from '../../test-support/ggml';
import { tinyQwen2Model } from '../../test-support/paths';
import { normaliseConfig } from '../config/normalise-config';
import type { ModelConfig } from '../config/model-config';
import type { ComputeBackend } from '../ggml/backend';
import { nativeMemory } from '../ggml/owners';
import { FrozenWeights } from '../ggml-train/frozen-weights';
import { GgmlLoraTrainer, type HostLoraModule } from '../ggml-train/lora-trainer';
import { measureTrainingMemory } from '../ggml-train/measure-memory';
import { collate } from '../train/batching';
import { Rng } from '../train/rng';
import {
  adapterBytes,
  FROZEN_TYPES,
  frozenWeightsBytes,
  ggmlTrainingMemory,
  PROJ_NAMES,
  projShape,
  type FrozenType,
  type GgmlAdapter,
  type GgmlStepShape,
} from './ggml-memory';

const TOLERANCE = 0.15;
const shapeConfig = (name: string, over: Record<string, unknown> = {}): ModelConfig =>
  normaliseConfig(
    { ...SHAPES[name], ...over, architectures: [SHAPES[name].model_type === 'qwen3' ? 'Qwen3ForCausalLM' : 'Qwen2ForCausalLM'] } as Record<string, unknown>,
    'config.json',
  );
const QWEN05 = shapeConfig('qwen2.5-0.5b');
/** scripts/bench/bench-model.ts's bench-small. */
const BENCH_SMALL = shapeConfig('qwen2.5-0.5b', {
  hidden_size: 256,
  intermediate_size: 768,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 8192,
});
const ALL: GgmlAdapter = { method: 'lora', r: 16, targets: PROJ_NAMES };

let backend: ComputeBackend;
let tiny: ModelConfig;
before(() => {
  backend = testBackend('cpu').backend;
  tiny = readModelConfig(tinyQwen2Model);
});
after(() => backend.dispose());

test('frozen weights and adapter bytes are the buffers the engine allocates, in every type', async () => {
  const { store, close } = await openWeightStore(tinyQwen2Model);
  try {
    for (const type of FROZEN_TYPES) {
      const loaded = await FrozenWeights.load(store, tiny, backend, type);
      const placeholder = FrozenWeights.placeholder(tiny, backend, type);
      try {
        assert.equal(frozenWeightsBytes(tiny, type), loaded.bytes, `${type}: planner vs loaded buffer`);
        assert.equal(placeholder.bytes, loaded.bytes, `${type}: placeholder vs loaded buffer`);
      } finally {
        placeholder.dispose();
        loaded.dispose();
      }
    }
  } finally {
    close();
  }
  for (const adapter of [
    ALL,
    { method: 'lora', r: 8, targets: ['q', 'v'] },
    { method: 'ptuning', prefixLen: 16, projection: true, encoderHidden: 24 },
  ] as GgmlAdapter[]) {
    const m = await measureTrainingMemory(backend, tiny, 'f32', adapter, { batch: 1, seqLen: 16, targetRows: 8 }, false);
    const a = adapterBytes(tiny, adapter);
    assert.equal(a.params + a.moments, m.adapter, `${JSON.stringify(adapter)}: parameters, gradients and moments`);
  }
  assert.equal(nativeMemory().totalBytes, 0, 'nothing left allocated');
});

interface GraphCase {
  name: string;
  config: ModelConfig;
  type: FrozenType;
  adapter: GgmlAdapter;
  shape: GgmlStepShape;
  checkpointing: boolean;
  dropout?: number;
}

const QWEN3 = shapeConfig('tiny-qwen3', { vocab_size: 32000, hidden_size: 128, intermediate_size: 384, head_dim: 32 });
const CASES: GraphCase[] = [
  ...[false, true].flatMap((checkpointing) => [
    { name: 'bench-small 512x4', config: BENCH_SMALL, type: 'bf16' as const, adapter: ALL, shape: { batch: 4, seqLen: 512, targetRows: 1020 }, checkpointing },
    ...(['bf16', 'f32', 'q4_0'] as const).map((type) => ({
      name: `0.5B 512x1 ${type}`,
      config: QWEN05,
      type,
      adapter: ALL,
      shape: { batch: 1, seqLen: 512, targetRows: 255 },
      checkpointing,
    })),
    {
      name: '0.5B 512x1 every row a target',
      config: QWEN05,
      type: 'q4_0' as const,
      adapter: ALL,
      shape: { batch: 1, seqLen: 512, targetRows: 512 },
      checkpointing,
    },
    { name: 'Qwen3 q/k norm 256x2', config: QWEN3, type: 'f16' as const, adapter: ALL, shape: { batch: 2, seqLen: 256, targetRows: 300 }, checkpointing },
  ]),
  {
    name: 'bench-small P-Tuning v2 prefix 32',
    config: BENCH_SMALL,
    type: 'bf16',
    adapter: { method: 'ptuning', prefixLen: 32, projection: false },
    shape: { batch: 4, seqLen: 256, targetRows: 512 },
    checkpointing: false,
  },
  {
    name: 'bench-small LoRA dropout 0.1',
    config: BENCH_SMALL,
    type: 'q8_0',
    adapter: ALL,
    shape: { batch: 2, seqLen: 512, targetRows: 512 },
    checkpointing: false,
    dropout: 0.1,
  },
  {
    name: 'bench-small q,v r8',
    config: BENCH_SMALL,
    type: 'bf16',
    adapter: { method: 'lora', r: 8, targets: ['q', 'v'] },
    shape: { batch: 4, seqLen: 512, targetRows: 2048 },
    checkpointing: true,
  },
];

test('the estimate is within 15% of ggml_gallocr on the real training graph (no weights loaded)', async () => {
  const lines: string[] = [];
  let worst = 0;
  for (const c of CASES) {
    const m = await measureTrainingMemory(backend, c.config, c.type, c.adapter, c.shape, c.checkpointing, c.dropout ?? 0);
    const e = ggmlTrainingMemory({
      config: c.config,
      frozenType: c.type,
      adapter: c.adapter,
      shape: c.shape,
      checkpointing: c.checkpointing,
      loraDropout: c.dropout,
    });
    assert.equal(e.weights, m.weights, `${c.name}: weights`);
    const ratio = e.total / m.total;
    worst = Math.max(worst, Math.abs(ratio - 1));
    lines.push(
      `${c.name}, checkpointing ${c.checkpointing ? 'on' : 'off'}: planner ${e.total} B, gallocr ${m.total} B (compute ${e.compute.total} vs ${m.compute}), ratio ${ratio.toFixed(3)}`,
    );
  }
  console.log(`planner vs the measured graph:\n  ${lines.join('\n  ')}\n  worst ${(worst * 100).toFixed(1)}%`);
  assert.ok(worst <= TOLERANCE, lines.join('\n'));
  assert.equal(nativeMemory().totalBytes, 0, 'nothing left allocated');
});

test('the estimate is within 15% of the measured peak of real training steps (tiny fixture)', async () => {
  const { store, close } = await openWeightStore(tinyQwen2Model);
  const frozen = await FrozenWeights.load(store, tiny, backend, 'f32');
  close();
  const rng = new Rng(3);
  const r = 8;
  const lora: HostLoraModule[] = [];
  for (let layer = 0; layer < tiny.numLayers; layer++) {
    for (const proj of PROJ_NAMES) {
      const [outDim, inDim] = projShape(tiny, proj);
      lora.push({
        key: `layers.${layer}.${proj}`,
        layer,
        proj,
        r,
        inDim,
        outDim,
        scale: 2,
        a: Float32Array.from({ length: r * inDim }, () => rng.nextFloat() - 0.5),
        b: new Float32Array(outDim * r),
      });
    }
  }
  const lines: string[] = [];
  try {
    for (const [B, T, checkpointing] of [
      [2, 48, false],
      [1, 96, true],
      [3, 32, false],
    ] as const) {
      const trainer = new GgmlLoraTrainer(backend, frozen, lora, 0);
      try {
        const rows = Array.from({ length: B }, (_, b) => {
          const ids = Array.from({ length: T }, () => rng.nextInt(tiny.vocabSize));
          return [{ ids, targets: ids.map((_, t) => (t + 1 < T && t >= T / 3 ? ids[t + 1] : -100)), source: b }];
        });
        const batch = collate(rows, 0, false);
        await trainer.lossAndGrads([batch], [1], checkpointing);
        await trainer.adamwStep({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
        const peak = Math.max(trainer.peakBytes, nativeMemory().totalBytes);
        const e = ggmlTrainingMemory({
          config: tiny,
          frozenType: 'f32',
          adapter: { method: 'lora', r, targets: PROJ_NAMES },
          shape: { batch: B, seqLen: T, targetRows: batch.numTargets },
          checkpointing,
        });
        const ratio = e.total / peak;
        lines.push(`${B}x${T} checkpointing ${checkpointing ? 'on' : 'off'}: planner ${e.total} B, measured peak ${peak} B, ratio ${ratio.toFixed(3)}`);
        assert.ok(Math.abs(ratio - 1) <= TOLERANCE, lines.at(-1));
      } finally {
        trainer.dispose();
      }
    }
  } finally {
    frozen.dispose();
  }
  console.log(`planner vs measured peak:\n  ${lines.join('\n  ')}`);
  assert.equal(nativeMemory().totalBytes, 0, 'nothing left allocated');
});
