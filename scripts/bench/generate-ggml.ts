/**
 * The ggml engine's column of `npm run bench:generate`: greedy decode and prefill speed on a
 * checkpoint (default: the synthetic Qwen2.5-0.5B shape, bf16 on disk), with wall and CPU time, load
 * time and peak RSS. generate.ts runs it as its own process, beside llama.cpp and PyTorch.
 *   node --import tsx scripts/bench/generate-ggml.ts [--model DIR | --shape qwen2.5-0.5b] [--backend cpu]
 *     [--weights q8_0] [--threads N] [--flash on|off] [--poll 0-100] [--prompt-len 32] [--new-tokens 32]
 *     [--load-only] [--json]
 * --load-only stops after loading (the load time / peak RSS rows of the 1.5B and 7B shapes).
 */
import { parseArgs } from 'node:util';
import { openBackend } from '../../src-main/engine-node/ggml-runtime';
import { loadGgmlWeightsFromDir } from '../../src-main/engine-node/ggml-load';
import { GgmlCausalLM } from '../../src-main/engine/ggml/causal-lm';
import { parseWeightsType } from '../../src-main/engine/ggml/model-weights';
import type { GgmlBackendChoice } from '../../src-main/engine/ggml/backend';
import { argmax } from '../../src-main/engine/generate/sampler';
import { benchPrompt, cpuSeconds, peakRssMiB, syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    backend: { type: 'string', default: 'cpu' },
    weights: { type: 'string', default: 'q8_0' },
    threads: { type: 'string' },
    flash: { type: 'string' },
    poll: { type: 'string', default: '0' },
    'prompt-len': { type: 'string', default: '32' },
    'new-tokens': { type: 'string', default: '32' },
    'load-only': { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const dir = values.model ?? syntheticModelDir(values.shape!, 'bf16');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { backend, reason } = openBackend(values.backend as GgmlBackendChoice, {
  threads: values.threads ? Number(values.threads) : undefined,
  poll: Number(values.poll),
});
const weights = await loadGgmlWeightsFromDir(dir, backend, { weights: parseWeightsType(values.weights!) });
const flashAttention = values.flash === undefined ? undefined : values.flash === 'on';
const model = new GgmlCausalLM(weights, backend, { flashAttention });
const loadS = (performance.now() - t0) / 1000;
const loadCpu = cpuSeconds(cpu0);
const result: Record<string, unknown> = {
  engine: 'ggml',
  model: dir,
  backend: reason,
  weights: weights.weights,
  threads: backend.threads,
  flash: model.flashAttention,
  poll: backend.poll,
  load_s: loadS,
  load_cpu_s: loadCpu,
  weights_mib: weights.bytes / 2 ** 20,
};
if (!values['load-only']) {
  const promptLen = Number(values['prompt-len']);
  const newTokens = Number(values['new-tokens']);
  const cache = model.newCache(1, promptLen + newTokens);
  let t = performance.now();
  let c = process.cpuUsage();
  const ids = [argmax(await model.forward(cache, benchPrompt(promptLen, model.config.vocabSize), promptLen, { logits: 'last' }))];
  Object.assign(result, { prefill_tokens: promptLen, prefill_s: (performance.now() - t) / 1000, prefill_cpu_s: cpuSeconds(c) });
  t = performance.now();
  c = process.cpuUsage();
  while (ids.length < newTokens) ids.push(argmax(await model.forward(cache, [ids[ids.length - 1]], 1, { logits: 'last' })));
  Object.assign(result, { decode_tokens: newTokens - 1, decode_s: (performance.now() - t) / 1000, decode_cpu_s: cpuSeconds(c), ids });
  cache.dispose();
}
result.peak_rss_mib = peakRssMiB();
model.dispose();
weights.dispose();
backend.dispose();
process.stdout.write(
  values.json
    ? `${JSON.stringify(result)}\n`
    : `${Object.entries(result)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(',') : v}`)
        .join('\n')}\n`,
);
