/**
 * llama.cpp's column of `npm run bench:generate`: greedy decode and prefill speed of a GGUF file
 * through node-llama-cpp (the dev dependency, its prebuilt CPU binary), with the same prompt ids and
 * token counts as scripts/bench/generate-ggml.ts. Run as its own process by generate.ts, so its load
 * time, CPU time and peak RSS are its own.
 *   node --import tsx scripts/bench/generate-llamacpp.ts --gguf FILE [--threads 2] [--flash on|off]
 *     [--prompt-len 32] [--new-tokens 32]
 *     --vocab N
 * Prints one JSON line (the same keys as generate-ggml.ts --json).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchPrompt, cpuSeconds, peakRssMiB } from './bench-model';

const { values } = parseArgs({
  options: {
    gguf: { type: 'string' },
    threads: { type: 'string', default: '2' },
    flash: { type: 'string', default: 'off' },
    'prompt-len': { type: 'string', default: '32' },
    'new-tokens': { type: 'string', default: '32' },
    /** The checkpoint's config vocab_size (the prompt ids depend on it). */
    vocab: { type: 'string' },
  },
});
if (!values.gguf || !values.vocab) throw new Error('generate-llamacpp: --gguf FILE and --vocab N are required');
/** The package exports no package.json: find it beside the resolved entry. */
function nodeLlamaCppVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
  while (!dir.endsWith('node-llama-cpp')) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}
const threads = Number(values.threads);
const promptLen = Number(values['prompt-len']);
const newTokens = Number(values['new-tokens']);

const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// maxThreads = threads: node-llama-cpp otherwise treats the context's thread count as a hint only.
const llama = await getLlama({
  gpu: false,
  build: 'never',
  usePrebuiltBinaries: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
  maxThreads: threads,
});
const model = await llama.loadModel({ modelPath: values.gguf, gpuLayers: 0 });
const ctx = await model.createContext({
  contextSize: promptLen + newTokens + 8,
  batchSize: Math.max(promptLen, 1),
  threads,
  flashAttention: values.flash === 'on',
});
const loadS = (performance.now() - t0) / 1000;
const loadCpu = cpuSeconds(cpu0);
const prompt = benchPrompt(promptLen, Number(values.vocab));
const seq = ctx.getSequence();
const ids: number[] = [];
let t = performance.now();
let c = process.cpuUsage();
let prefillS = 0;
let prefillCpu = 0;
// evaluate() yields after the prompt is evaluated and the first token sampled (temperature 0 =
// greedy), then evaluates each yielded token when asked for the next: one decode step per yield.
for await (const id of seq.evaluate(prompt as never, { temperature: 0 })) {
  ids.push(Number(id));
  if (ids.length === 1) {
    prefillS = (performance.now() - t) / 1000;
    prefillCpu = cpuSeconds(c);
    t = performance.now();
    c = process.cpuUsage();
  }
  if (ids.length === newTokens) break;
}
const decodeS = (performance.now() - t) / 1000;
const decodeCpu = cpuSeconds(c);
await ctx.dispose();
await model.dispose();
await llama.dispose();
process.stdout.write(
  `${JSON.stringify({
    engine: 'llama.cpp',
    version: `node-llama-cpp ${nodeLlamaCppVersion()}, llama.cpp ${llama.llamaCppRelease.release}`,
    threads,
    flash: values.flash === 'on',
    load_s: loadS,
    load_cpu_s: loadCpu,
    prefill_tokens: promptLen,
    prefill_s: prefillS,
    prefill_cpu_s: prefillCpu,
    decode_tokens: ids.length - 1,
    decode_s: decodeS,
    decode_cpu_s: decodeCpu,
    peak_rss_mib: peakRssMiB(),
    ids,
  })}\n`,
);
