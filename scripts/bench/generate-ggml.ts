/**
 * Greedy decode and prefill speed of the ggml engine on a checkpoint (default: the synthetic
 * Qwen2.5-0.5B shape, bf16 on disk), wall and CPU time, load time and peak RSS. A first step toward
 * issue 13's side-by-side bench:generate (llama.cpp and PyTorch columns not written yet).
 *   node --import tsx scripts/bench/generate-ggml.ts [--model DIR | --shape qwen2.5-0.5b] [--backend cpu]
 *     [--weights q8_0] [--threads N] [--prompt-len 32] [--new-tokens 32] [--json]
 */
import { parseArgs } from 'node:util';
import { openBackend } from '../../src-main/engine-node/ggml-runtime';
import { loadGgmlWeightsFromDir } from '../../src-main/engine-node/ggml-load';
import { GgmlCausalLM } from '../../src-main/engine/ggml/causal-lm';
import { parseWeightsType } from '../../src-main/engine/ggml/model-weights';
import type { GgmlBackendChoice } from '../../src-main/engine/ggml/backend';
import { argmax } from '../../src-main/engine/generate/sampler';
import { peakRssMiB, syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    backend: { type: 'string', default: 'cpu' },
    weights: { type: 'string', default: 'q8_0' },
    threads: { type: 'string' },
    'prompt-len': { type: 'string', default: '32' },
    'new-tokens': { type: 'string', default: '32' },
    json: { type: 'boolean' },
  },
});
const dir = values.model ?? syntheticModelDir(values.shape!, 'bf16');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const { backend, reason } = openBackend(values.backend as GgmlBackendChoice, { threads: values.threads ? Number(values.threads) : undefined });
const weights = await loadGgmlWeightsFromDir(dir, backend, { weights: parseWeightsType(values.weights!) });
const model = new GgmlCausalLM(weights, backend);
const loadS = (performance.now() - t0) / 1000;
const promptLen = Number(values['prompt-len']);
const newTokens = Number(values['new-tokens']);
const prompt = Array.from({ length: promptLen }, (_, i) => (i * 7919 + 13) % model.config.vocabSize);
const cache = model.newCache(1, promptLen + newTokens);
let t = performance.now();
let c = process.cpuUsage();
let next = argmax(await model.forward(cache, prompt, promptLen, { logits: 'last' }));
const prefillS = (performance.now() - t) / 1000;
const prefillCpu = process.cpuUsage(c);
t = performance.now();
c = process.cpuUsage();
for (let i = 1; i < newTokens; i++) next = argmax(await model.forward(cache, [next], 1, { logits: 'last' }));
const decodeS = (performance.now() - t) / 1000;
const decodeCpu = process.cpuUsage(c);
cache.dispose();
const result = {
  model: dir,
  backend: reason,
  weights: weights.weights,
  load_s: +loadS.toFixed(2),
  prefill_tokens_per_s: +(promptLen / prefillS).toFixed(1),
  prefill_cpu_s: +((prefillCpu.user + prefillCpu.system) / 1e6).toFixed(2),
  decode_tokens_per_s: +((newTokens - 1) / decodeS).toFixed(2),
  decode_wall_s: +decodeS.toFixed(2),
  decode_cpu_s: +((decodeCpu.user + decodeCpu.system) / 1e6).toFixed(2),
  total_cpu_s: +((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6).toFixed(1),
  peak_rss_mib: peakRssMiB(),
};
model.dispose();
weights.dispose();
backend.dispose();
process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${Object.entries(result).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
