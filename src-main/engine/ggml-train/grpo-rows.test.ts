/**
 * The trainer's GRPO additions against its own SFT path on ../shared/fixtures/tiny-qwen2: per-row
 * log-probs sum to the SFT loss, row weights of -1/N reproduce the SFT gradient exactly, and the
 * reference (adapter off) is the model with a zero adapter.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openWeightStore, readLoraAdapterHost, readModelConfig } from '../../engine-node/load-model';
import { testBackend } from '../../test-support/ggml';
import { tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import { nativeMemory } from '../ggml/owners';
import { collate, shiftLabels } from '../train/batching';
import { FrozenWeights } from './frozen-weights';
import { hostLoraOf } from './from-host-model';
import type { WeightStore } from '../io/weight-store';
import { GgmlLoraTrainer, type HostLoraModule } from './lora-trainer';
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

// Two rows of different lengths, so padding and the row-major order of target rows are exercised.
const batch = () => {
  const ids: number[] = goldens.sft.ids;
  const t = shiftLabels(goldens.sft.labels);
  const cut = Math.max(4, Math.floor(ids.length / 2));
  return collate([[{ ids, targets: t, source: 0 }], [{ ids: ids.slice(0, cut), targets: [...t.slice(0, cut - 1), -100], source: 1 }]], 0, false);
};

const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(1e-6, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('cpu: target log-probs, row-weighted gradients and the adapter-off reference', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const trainer = new GgmlLoraTrainer(backend, frozen, lora);
  const zero = new GgmlLoraTrainer(
    backend,
    frozen,
    lora.map((m) => ({ ...m, b: new Float32Array(m.b.length) })),
  );
  const start = nativeMemory();
  try {
    const b = batch();
    const N = b.numTargets;
    const logp = await trainer.targetLogProbs(b, false);
    assert.equal(logp.length, N);
    const ev = await trainer.evalLoss([b]);
    close(-logp.reduce((s, v) => s + v, 0) / N, ev.sum / ev.count, 1e-4, 'mean -logp = SFT loss');

    await trainer.lossAndGrads([b], [0]);
    const sft = trainer.readGrads();
    await trainer.weightedGrads([{ batch: b, coefficients: new Float32Array(N).fill(-1 / N) }]);
    const weighted = trainer.readGrads();
    for (const [name, want] of sft) {
      const got = weighted.get(name)!;
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      assert.ok(scale > 0, `${name} has a gradient`);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * scale, `${name}[${i}]: ${got[i]} vs ${want[i]}`);
    }

    const ref = await trainer.targetLogProbs(b, true);
    const zeroAdapter = await zero.targetLogProbs(b, false);
    let differs = 0;
    for (let i = 0; i < N; i++) {
      close(ref[i], zeroAdapter[i], 1e-5, `ref logp[${i}]`);
      differs = Math.max(differs, Math.abs(ref[i] - logp[i]));
    }
    assert.ok(differs > 1e-4, `the fixture adapter changes the log-probs (${differs})`);
    const end = nativeMemory();
    assert.equal(end.bufferBytes, start.bufferBytes, 'no buffer grows');
    assert.equal(end.contexts, start.contexts, 'every graph context is freed');
  } finally {
    zero.dispose();
    trainer.dispose();
    frozen.dispose();
    backend.dispose();
  }
});

after(() => {
  closeStore();
  assert.equal(nativeMemory().buffers, 0, 'every backend buffer disposed');
});
