/**
 * Load benchmark: time and peak RSS to load a checkpoint (default: the synthetic Qwen2.5-0.5B shape in
 * bf16, written on first use), against its file size.
 *   npm run bench:load -- [--model DIR | --shape qwen2.5-0.5b --dtype bf16] [--backend cpu] [--json]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src-main/engine/backends/select-backend';
import { readModelConfig } from '../../src-main/engine-node/load-model';
import { loadModelFromDir } from '../../src-main/engine-node/load-tfjs-model';
import { fileMiB, peakRssMiB, rssMiB, syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: { model: { type: 'string' }, shape: { type: 'string', default: 'qwen2.5-0.5b' }, dtype: { type: 'string', default: 'bf16' }, backend: { type: 'string', default: 'cpu' }, json: { type: 'boolean' } },
});
const dir = values.model ?? syntheticModelDir(values.shape!, values.dtype as 'bf16' | 'f32');
const backend = await selectBackend(values.backend, { model: readModelConfig(dir) });
const rssBefore = rssMiB();
const t0 = performance.now();
const model = await loadModelFromDir(dir);
const seconds = (performance.now() - t0) / 1000;
const result = {
  model: dir,
  backend: backend.backend,
  file_mib: +fileMiB(join(dir, 'model.safetensors')).toFixed(1),
  load_s: +seconds.toFixed(2),
  rss_before_mib: +rssBefore.toFixed(0),
  rss_after_mib: +rssMiB().toFixed(0),
  peak_rss_mib: +peakRssMiB().toFixed(0),
  tensors: tf.memory().numTensors,
  // Tied heads share one tensor, so bytes / 4 counts each parameter once.
  params_m: +(tf.memory().numBytes / 4 / 1e6).toFixed(1),
};
if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
else process.stdout.write(`${result.model} (${result.file_mib} MiB on disk) on ${result.backend}: loaded in ${result.load_s} s; RSS ${result.rss_before_mib} -> ${result.rss_after_mib} MiB, peak ${result.peak_rss_mib} MiB\n`);
model.dispose();
