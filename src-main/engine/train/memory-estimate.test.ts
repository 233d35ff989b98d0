import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelConfig } from '../config/model-config';
import { IGNORE_INDEX } from './ignore-index';
import { prepareExamples } from './batching';
import type { LabelledExample } from './chat-labels';
import { runMemoryEstimate } from './memory-estimate';
import { TRAIN_DEFAULTS, type TrainConfig } from './train-config';

const TINY: ModelConfig = {
  family: 'qwen2',
  vocabSize: 64,
  hiddenSize: 16,
  intermediateSize: 32,
  numLayers: 1,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 8,
  rmsNormEps: 1e-6,
  rope: { theta: 1e4, type: 'default', factor: 1, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositions: 128 },
  maxPositions: 128,
  tieWordEmbeddings: true,
  qkvBias: true,
  oBias: false,
  mlpBias: false,
  qkNorm: false,
  dtype: 'float32',
  eosTokenIds: [0],
};

test('a million examples without packing: the estimate takes the longest one (no spread past the argument limit)', () => {
  const n = 1_000_000;
  // Shared arrays keep the million examples cheap; one longer example sits near the end.
  const ids = [1, 2, 3, 4];
  const labels = [IGNORE_INDEX, IGNORE_INDEX, 3, 4];
  const long = { ids: [1, 2, 3, 4, 5, 6, 7, 8, 9], labels: [IGNORE_INDEX, 2, 3, 4, 5, 6, 7, 8, 9] };
  const examples: LabelledExample[] = new Array(n);
  for (let i = 0; i < n; i++) examples[i] = i === n - 10 ? long : { ids, labels };
  const report = prepareExamples(examples, 64);
  assert.equal(report.kept.length, n);
  const cfg: TrainConfig = { ...TRAIN_DEFAULTS, model: 'm', data: 'd', out: 'o', batchSize: 4, packing: false };
  const est = runMemoryEstimate(cfg, TINY, report.kept, 'cpu');
  assert.ok(est);
  assert.equal(est.seqLen, 9);
  assert.equal(est.batch, 4);
});
