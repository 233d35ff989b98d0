/**
 * Random-weight checkpoint of a real model's shape, for benchmarks and structural tests.
 *   npx tsx scripts/make-synthetic-checkpoint.ts --shape qwen2.5-0.5b --dtype bf16 --out DIR [--tokenizer DIR]
 *     [--seed 0] [--std 0.02] [--tie true|false] [--rope-parameters]
 * Shapes: qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-7b, tiny, tiny-qwen3, tiny-llama.
 */
import { parseArgs } from 'node:util';
import { SHAPES, writeSyntheticCheckpoint } from './synthetic-checkpoint';

const { values } = parseArgs({
  options: {
    shape: { type: 'string' },
    dtype: { type: 'string', default: 'bf16' },
    out: { type: 'string' },
    tokenizer: { type: 'string' },
    seed: { type: 'string', default: '0' },
    std: { type: 'string' },
    tie: { type: 'string' },
    'rope-parameters': { type: 'boolean' },
  },
});
if (!values.shape || !values.out || !(values.shape in SHAPES) || (values.dtype !== 'bf16' && values.dtype !== 'f32')) {
  process.stderr.write(`usage: make-synthetic-checkpoint --shape ${Object.keys(SHAPES).join('|')} --dtype bf16|f32 --out DIR [--tokenizer DIR]\n`);
  process.exit(1);
}
const t0 = performance.now();
const bytes = writeSyntheticCheckpoint({
  shape: values.shape,
  out: values.out,
  dtype: values.dtype,
  seed: Number(values.seed),
  std: values.std ? Number(values.std) : undefined,
  tokenizer: values.tokenizer,
  tie: values.tie === undefined ? undefined : values.tie === 'true',
  ropeParameters: values['rope-parameters'] ?? false,
});
process.stdout.write(`wrote ${values.out}/model.safetensors: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
