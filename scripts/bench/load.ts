/**
 * Load benchmark: time and peak RSS to load a checkpoint into ggml (default: the synthetic
 * Qwen2.5-0.5B shape in bf16, written on first use), against its file size, with the bytes of the
 * weight buffer ggml allocated.
 *   npm run bench:load -- [--model DIR | --shape qwen2.5-0.5b --dtype bf16] [--backend cpu] [--weights f32|f16|q8_0|q4] [--json]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { openBackend } from '../../src-main/engine-node/ggml-runtime';
import { parseBackendChoice } from '../../src-main/engine-node/backend-choice';
import { loadGgmlWeightsFromDir } from '../../src-main/engine-node/ggml-load';
import { parseWeightsType } from '../../src-main/engine/ggml/model-weights';
import { nativeMemory } from '../../src-main/engine/ggml/owners';
import { fileMiB, peakRssMiB, rssMiB, syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    dtype: { type: 'string', default: 'bf16' },
    backend: { type: 'string', default: 'cpu' },
    weights: { type: 'string', default: 'f32' },
    json: { type: 'boolean' },
  },
});
const dir = values.model ?? syntheticModelDir(values.shape!, values.dtype as 'bf16' | 'f32');
const { backend, reason } = openBackend(parseBackendChoice(values.backend, (line) => process.stderr.write(line + '\n')));
const rssBefore = rssMiB();
const t0 = performance.now();
const weights = await loadGgmlWeightsFromDir(dir, backend, { weights: parseWeightsType(values.weights!) });
const seconds = (performance.now() - t0) / 1000;
const result = {
  model: dir,
  backend: backend.name,
  reason,
  weights: weights.weights,
  file_mib: +fileMiB(join(dir, 'model.safetensors')).toFixed(1),
  load_s: +seconds.toFixed(2),
  rss_before_mib: +rssBefore.toFixed(0),
  rss_after_mib: +rssMiB().toFixed(0),
  peak_rss_mib: +peakRssMiB().toFixed(0),
  weight_buffer_mib: +(nativeMemory().bufferBytes / 2 ** 20).toFixed(1),
};
if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
else
  process.stdout.write(
    `${result.model} (${result.file_mib} MiB on disk) on ${result.backend} as ${result.weights}: loaded in ${result.load_s} s; weight buffer ${result.weight_buffer_mib} MiB; RSS ${result.rss_before_mib} -> ${result.rss_after_mib} MiB, peak ${result.peak_rss_mib} MiB\n`,
  );
weights.dispose();
backend.dispose();
