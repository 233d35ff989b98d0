/**
 * Greedy generation speed on a checkpoint (async read-back, so it runs on webgpu too) (default: synthetic Qwen2.5-0.5B shape, bf16 on disk, f32 in
 * memory): prefill time of a prompt, then decode tokens/s with the KV cache.
 *   npm run bench:generate -- [--model DIR | --shape qwen2.5-0.5b] [--backend cpu|wasm|webgpu]
 *     [--prompt-len 32] [--new-tokens 16] [--json]
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../../src-main/engine/backends/select-backend';
import { loadModelFromDir, readModelConfig } from '../../src-main/engine-node/load-model';
import { KvCache } from '../../src-main/engine/nn/kv-cache';
import { nextTokenLogitsAsync } from '../../src-main/engine/generate/generate';
import { argmax } from '../../src-main/engine/generate/sampler';
import { peakRssMiB, syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    dtype: { type: 'string', default: 'bf16' },
    backend: { type: 'string', default: 'cpu' },
    'prompt-len': { type: 'string', default: '32' },
    'new-tokens': { type: 'string', default: '16' },
    json: { type: 'boolean' },
  },
});
const dir = values.model ?? syntheticModelDir(values.shape!, values.dtype as 'bf16' | 'f32');
const backend = await selectBackend(values.backend, { model: readModelConfig(dir) });
const model = await loadModelFromDir(dir);
const promptLen = Number(values['prompt-len']);
const newTokens = Number(values['new-tokens']);
const prompt = Array.from({ length: promptLen }, (_, i) => (i * 7919 + 13) % model.config.vocabSize);

const cache = new KvCache(model.config.numLayers);
let t0 = performance.now();
let next = argmax(await nextTokenLogitsAsync(model, prompt, cache));
const ids = [next];
const prefillS = (performance.now() - t0) / 1000;
t0 = performance.now();
for (let i = 1; i < newTokens; i++) {
  next = argmax(await nextTokenLogitsAsync(model, [next], cache));
  ids.push(next);
}
const decodeS = (performance.now() - t0) / 1000;
cache.dispose();
const result = {
  model: dir,
  backend: backend.backend,
  prompt_tokens: promptLen,
  new_tokens: newTokens,
  prefill_s: +prefillS.toFixed(2),
  decode_tokens_per_s: +((newTokens - 1) / decodeS).toFixed(2),
  peak_rss_mib: +peakRssMiB().toFixed(0),
  // The greedy ids, so runs on different backends can be checked against each other.
  ids,
};
if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
else process.stdout.write(`${dir} on ${result.backend}: prefill ${promptLen} tokens ${result.prefill_s} s; greedy decode ${result.decode_tokens_per_s} tokens/s (${newTokens - 1} tokens, KV cache); peak RSS ${result.peak_rss_mib} MiB; ids ${ids.join(',')}\n`);
model.dispose();
