/**
 * P-Tuning v2 on the ggml engine: the gradient into the prefix (with and without peft's
 * prefix_projection MLP) equals central finite differences of the engine's own eval loss, on the
 * fixture model; a padded batch of two gives each row's loss as alone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openWeightStore, readModelConfig } from '../../engine-node/load-model';
import { testBackend } from '../../test-support/ggml';
import { tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import { collate, shiftLabels } from '../train/batching';
import { Rng } from '../train/rng';
import { FrozenWeights } from './frozen-weights';
import { GgmlLoraTrainer, type HostPrefix } from './lora-trainer';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8'));
let config: ModelConfig;
let store: WeightStore;
let closeStore: () => void;

before(async () => {
  config = readModelConfig(tinyQwen2Model);
  ({ store, close: closeStore } = await openWeightStore(tinyQwen2Model));
});
after(() => closeStore());

function prefixOf(projection: boolean, P: number): HostPrefix {
  const rng = new Rng(7);
  const flat = config.numLayers * 2 * config.numKvHeads * config.headDim;
  const E = 16;
  const t = (shape: number[], spread: number) => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (2 * rng.nextFloat() - 1) * spread),
  });
  const params = new Map(
    projection
      ? [
          ['embedding.weight', t([P, config.hiddenSize], 1)],
          ['transform.0.weight', t([E, config.hiddenSize], 0.3)],
          ['transform.0.bias', t([E], 0.3)],
          ['transform.2.weight', t([flat, E], 0.5)],
          ['transform.2.bias', t([flat], 0.5)],
        ]
      : [['embedding.weight', t([P, flat], 1)]],
  );
  return { numVirtualTokens: P, projection, params };
}

const sft = () => collate([[{ ids: goldens.sft.ids, targets: shiftLabels(goldens.sft.labels), source: 0 }]], 0, false);

for (const projection of [false, true]) {
  test(`prefix gradients (prefix_projection ${projection}) equal finite differences of the loss`, async () => {
    const { backend } = testBackend('cpu');
    const frozen = await FrozenWeights.load(store, config, backend, 'f32');
    const trainer = new GgmlLoraTrainer(backend, frozen, [], 0, prefixOf(projection, 3));
    try {
      const batch = sft();
      const res = await trainer.lossAndGrads([batch], [0]);
      const mean = async () => {
        const e = await trainer.evalLoss([batch]);
        return e.sum / e.count;
      };
      assert.ok(Math.abs((await mean()) - res.loss) < 1e-5 * res.loss, 'eval and training loss agree');
      const grads = trainer.readGrads();
      const params = trainer.readParams();
      let checked = 0;
      for (const [name, g] of grads) {
        // The three largest entries of each tensor: well above float32 noise in the differences.
        const order = Array.from(g.keys())
          .sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]))
          .slice(0, 3);
        for (const i of order) {
          const eps = 1e-2;
          const base = params.get(name)!;
          const probe = (d: number) => {
            const p = new Map(params);
            const changed = Float32Array.from(base);
            changed[i] += d;
            p.set(name, changed);
            trainer.writeState(p);
          };
          probe(eps);
          const up = await mean();
          probe(-eps);
          const down = await mean();
          trainer.writeState(params);
          const fd = (up - down) / (2 * eps);
          assert.ok(Math.abs(fd - g[i]) <= 2e-2 * Math.abs(g[i]) + 1e-4, `${name}[${i}]: backward ${g[i]} vs finite difference ${fd}`);
          checked++;
        }
      }
      assert.ok(checked >= 3);
    } finally {
      trainer.dispose();
      frozen.dispose();
      backend.dispose();
    }
  });
}

test('a padded batch with a prefix gives each row the loss it has alone', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const trainer = new GgmlLoraTrainer(backend, frozen, [], 0, prefixOf(false, 4));
  try {
    const a = { ids: goldens.sft.ids, targets: shiftLabels(goldens.sft.labels), source: 0 };
    const n = goldens.sft.ids.length - 3; // still ends inside the answer: it has targets
    const short = { ids: goldens.sft.ids.slice(0, n), targets: shiftLabels(goldens.sft.labels.slice(0, n)), source: 1 };
    const alone = await trainer.evalLoss([collate([[a]], 0, false)]);
    const aloneShort = await trainer.evalLoss([collate([[short]], 0, false)]);
    const both = await trainer.evalLoss([collate([[a], [short]], 0, false)]);
    assert.ok(aloneShort.count > 0);
    const want = alone.sum + aloneShort.sum;
    assert.ok(Math.abs(both.sum - want) <= 1e-4 * want, `${both.sum} vs ${want}`);
  } finally {
    trainer.dispose();
    frozen.dispose();
    backend.dispose();
  }
});

test('with a prefix and a padded batch, attention in query blocks gives the loss and gradients of one block', async () => {
  const { backend } = testBackend('cpu');
  const frozen = await FrozenWeights.load(store, config, backend, 'f32');
  const trainer = new GgmlLoraTrainer(backend, frozen, [], 0, prefixOf(true, 3));
  try {
    const a = { ids: goldens.sft.ids, targets: shiftLabels(goldens.sft.labels), source: 0 };
    const n = goldens.sft.ids.length - 7;
    const short = { ids: goldens.sft.ids.slice(0, n), targets: shiftLabels(goldens.sft.labels.slice(0, n)), source: 1 };
    const batch = collate([[a], [short]], 0, false);
    const one = await trainer.lossAndGrads([batch], [0]);
    const oneGrads = trainer.readGrads();
    trainer.queryBlockRows = 5; // 10 blocks over the 48 rows, the last one 3 rows
    const blocked = await trainer.lossAndGrads([batch], [0]);
    assert.ok(Math.abs(blocked.loss - one.loss) <= 1e-6 * one.loss, `loss ${blocked.loss} vs ${one.loss}`);
    const blockedGrads = trainer.readGrads();
    assert.equal(blockedGrads.size, oneGrads.size);
    for (const [name, want] of oneGrads) {
      const got = blockedGrads.get(name)!;
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(scale > 0, `${name} has a gradient`);
      for (let i = 0; i < want.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * scale, `${name}[${i}]: ${got[i]} vs ${want[i]}`);
      }
    }
  } finally {
    trainer.dispose();
    frozen.dispose();
    backend.dispose();
  }
});
