/**
 * Training parity of the ggml engine with ../shared/fixtures/tiny-qwen2 (transformers + peft,
 * float64): the SFT loss with the adapter, every LoRA gradient and the global gradient norm, the
 * adapter after three AdamW steps and the loss before each, on cpu and on vulkan (lavapipe in CI).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openWeightStore, readLoraAdapterHost, readModelConfig } from '../../engine-node/load-model';
import { readSafetensorsFile } from '../../engine-node/read-safetensors';
import { testBackend, vulkanSkipReason } from '../../test-support/ggml';
import { tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import type { GgmlBackendName } from '../ggml/backend';
import { nativeMemory } from '../ggml/owners';
import { collate, shiftLabels } from '../train/batching';
import { FrozenWeights, type FrozenType } from './frozen-weights';
import { hostLoraOf } from './from-host-model';
import type { WeightStore } from '../io/weight-store';
import { GgmlLoraTrainer, type HostLoraModule } from './lora-trainer';
import { QUERY_BLOCK_ROWS } from './causal-attention';
import type { ModelConfig } from '../config/model-config';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8'));
let config: ModelConfig;
let store: WeightStore;
let closeStore: () => void;
let lora: HostLoraModule[];

before(async () => {
  config = readModelConfig(tinyQwen2Model);
  ({ store, close: closeStore } = await openWeightStore(tinyQwen2Model));
  lora = hostLoraOf(await readLoraAdapterHost(tinyQwen2Adapter, config));
});

const frozenOn = (backend: ReturnType<typeof testBackend>['backend'], type: FrozenType = 'f32') => FrozenWeights.load(store, config, backend, type);

const sftBatch = () => collate([[{ ids: goldens.sft.ids, targets: shiftLabels(goldens.sft.labels), source: 0 }]], 0, false);

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function assertTensorsClose(got: Map<string, Float32Array>, want: Map<string, { data: Float32Array | Float64Array }>, what: string, rel = 1e-3): void {
  assert.equal(got.size, want.size, `${what}: tensor count`);
  for (const [name, ref] of want) {
    const g = got.get(name);
    assert.ok(g, `${what}: ${name}`);
    assert.equal(g.length, ref.data.length, `${what}: ${name} size`);
    let scale = 0;
    for (const v of ref.data) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < g.length; i++) {
      // elementwise 1e-3 relative on entries that are not tiny (fixtures README)
      const tol = rel * Math.max(Math.abs(ref.data[i]), 1e-2 * scale);
      assert.ok(Math.abs(g[i] - ref.data[i]) <= tol, `${what}: ${name}[${i}]: ${g[i]} vs ${ref.data[i]}`);
    }
  }
}

/**
 * Elementwise gradient tolerance: the fixtures' 1e-3 on cpu. On vulkan (lavapipe, f16 matmuls
 * off) the worst entry varies from run to run (its reductions are not deterministic): 1.1e-3 and
 * 2.1e-3 relative were measured, so vulkan is held to 5e-3. Its loss and the adapter after three
 * AdamW steps still meet the fixtures' tolerances.
 */
const GRAD_REL: Record<GgmlBackendName, number> = { cpu: 1e-3, vulkan: 5e-3, cuda: 1e-3, metal: 1e-3 };

function parityTests(name: GgmlBackendName, skip: string | undefined): void {
  // Query blocks of 3 rows split the fixture's sequence into several causal blocks, the last one
  // shorter; the default block holds the whole sequence.
  test(
    `${name}: SFT loss, every LoRA gradient and the grad norm match peft, with and without activation checkpointing and attention query blocks`,
    { skip },
    async () => {
      const { backend } = testBackend(name);
      const frozen = await frozenOn(backend);
      const trainer = new GgmlLoraTrainer(backend, frozen, lora);
      try {
        const want = await readSafetensorsFile(join(tinyQwen2Dir, 'lora_grads.safetensors'));
        for (const rows of [QUERY_BLOCK_ROWS, 3]) {
          trainer.queryBlockRows = rows;
          const ev = await trainer.evalLoss([sftBatch()]);
          close(ev.sum / ev.count, goldens.adapter.sft_loss, 1e-4, `eval loss (blocks of ${rows})`);
          for (const checkpointing of [false, true]) {
            const what = `(checkpointing ${checkpointing}, blocks of ${rows})`;
            const res = await trainer.lossAndGrads([sftBatch()], [0], checkpointing);
            close(res.loss, goldens.adapter.sft_loss, 1e-4, `training loss ${what}`);
            assertTensorsClose(trainer.readGrads(), want, `gradients ${what}`, GRAD_REL[name]);
            close(await trainer.gradNorm(), goldens.adapter.grad_global_norm, 1e-3, `global grad norm ${what}`);
          }
        }
      } finally {
        trainer.dispose();
        frozen.dispose();
        backend.dispose();
      }
    },
  );

  test(`${name}: three AdamW steps give peft's adapter and losses`, { skip }, async () => {
    const { backend } = testBackend(name);
    const frozen = await frozenOn(backend);
    const trainer = new GgmlLoraTrainer(backend, frozen, lora);
    const before = nativeMemory();
    try {
      const hp = goldens.adapter.adamw;
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) {
        losses.push((await trainer.lossAndGrads([sftBatch()], [0])).loss);
        await trainer.adamwStep({ lr: hp.lr, beta1: hp.betas[0], beta2: hp.betas[1], eps: hp.eps, weightDecay: hp.weight_decay });
      }
      hp.losses_before_each_step.forEach((want: number, i: number) => close(losses[i], want, 1e-4, `loss before step ${i + 1}`));
      assertTensorsClose(trainer.readParams(), await readSafetensorsFile(join(tinyQwen2Dir, 'lora_after_3_adamw.safetensors')), 'adapter after 3 steps');
      const afterSteps = nativeMemory();
      assert.equal(afterSteps.bufferBytes, before.bufferBytes, 'no buffer grows across steps');
      assert.equal(afterSteps.contexts, before.contexts, 'every step graph context is freed');
    } finally {
      trainer.dispose();
      frozen.dispose();
      backend.dispose();
    }
  });
}

parityTests('cpu', undefined);
parityTests('vulkan', vulkanSkipReason());

after(() => {
  closeStore();
  assert.equal(nativeMemory().buffers, 0, 'every backend buffer disposed');
});
