/**
 * GGUF export of the Llama and Qwen3 layouts, checked by llama.cpp itself (node-llama-cpp): tiny
 * random checkpoints of each (scripts/synthetic-checkpoint.ts; Llama with untied lm_head and GQA
 * 4:1, Qwen3 with q/k norms and head_dim 16 != hidden/heads) plus a random LoRA adapter on all seven
 * projections, exported as f16; llama.cpp must decode greedily what our ggml engine decodes for
 * base + adapter. For Llama this is the test of the q/k RoPE row permutation: without it llama.cpp
 * rotates the wrong pairs and the tokens differ from the first step.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSyntheticCheckpoint } from '../../scripts/synthetic-checkpoint';
import { serializeSafetensors, type TensorToWrite } from '../engine/io/safetensors';
import { projectionShapes } from '../engine/models/family';
import { GgmlCausalLM, GgmlLora } from '../engine/ggml/causal-lm';
import { loadGgmlWeightsFromDir } from '../engine-node/ggml-load';
import { readLoraAdapterHost, readModelConfig } from '../engine-node/load-model';
import { testBackend } from '../test-support/ggml';
import { tempDir } from '../test-support/paths';
import { exportGguf } from './gguf-export';
import { greedySteps } from './self-check';

interface LlamaModelLike {
  createContext(o: {
    contextSize: number;
    threads: number;
  }): Promise<{ getSequence(): { evaluate(tokens: number[], o: { temperature: number }): AsyncGenerator<number> }; dispose(): Promise<void> }>;
  dispose(): Promise<void>;
}
interface NodeLlamaCpp {
  getLlama(o: Record<string, unknown>): Promise<{ loadModel(o: { modelPath: string }): Promise<LlamaModelLike> }>;
  LlamaLogLevel: { error: unknown };
}

let mod: NodeLlamaCpp | undefined;
let why: string | undefined;
try {
  const name = 'node-llama-cpp';
  mod = (await import(name)) as NodeLlamaCpp;
} catch (e) {
  why = `node-llama-cpp is not installed (${(e as Error).message.split('\n')[0]})`;
}

/** GPT-2's byte -> printable-character table (the byte-level BPE alphabet). */
function byteAlphabet(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(keep(b) ? b : 256 + extra++));
}

/** A 258-token byte-level BPE tokenizer (bytes + two ChatML specials), in the Qwen2 pre-tokenizer style. */
function writeTinyTokenizer(dir: string): void {
  const vocab: Record<string, number> = {};
  byteAlphabet().forEach((c, i) => (vocab[c] = i));
  vocab['Ġt'] = 256;
  vocab['he'] = 257;
  const tokenizer = {
    version: '1.0',
    added_tokens: [
      { id: 258, content: '<|im_start|>', special: true, normalized: false, lstrip: false, rstrip: false, single_word: false },
      { id: 259, content: '<|im_end|>', special: true, normalized: false, lstrip: false, rstrip: false, single_word: false },
    ],
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
          behavior: 'Isolated',
          invert: false,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE',
      vocab,
      merges: [
        ['Ġ', 't'],
        ['h', 'e'],
      ],
    },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: false, eos_token: '<|im_end|>' }));
}

/** A random PEFT LoRA adapter (r 2, alpha 4) on all seven projections of every layer. */
function writeRandomAdapter(modelDir: string, dir: string): void {
  const cfg = readModelConfig(modelDir);
  const shapes = projectionShapes(cfg);
  let seed = 7;
  const rnd = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647 - 0.5) * 0.6;
  };
  const tensors: TensorToWrite[] = [];
  for (let l = 0; l < cfg.numLayers; l++) {
    for (const [proj, [out, inp]] of Object.entries(shapes)) {
      const key = `base_model.model.model.layers.${l}.${proj}`;
      tensors.push({ name: `${key}.lora_A.weight`, shape: [2, inp], data: Float32Array.from({ length: 2 * inp }, rnd) });
      tensors.push({ name: `${key}.lora_B.weight`, shape: [out, 2], data: Float32Array.from({ length: out * 2 }, rnd) });
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'adapter_model.safetensors'), serializeSafetensors(tensors));
  const targets = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
  writeFileSync(
    join(dir, 'adapter_config.json'),
    JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, lora_dropout: 0, target_modules: targets, base_model_name_or_path: modelDir }),
  );
}

test('llama.cpp decodes our Llama and Qwen3 GGUF exports (with a merged LoRA) as our engine decodes base + adapter', { skip: why ?? false }, async (t) => {
  let llama;
  try {
    llama = await mod!.getLlama({
      gpu: false,
      build: 'never',
      usePrebuiltBinaries: true,
      progressLogs: false,
      logLevel: mod!.LlamaLogLevel.error,
      maxThreads: 1,
    });
  } catch (e) {
    t.skip(`no usable llama.cpp binary: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  const work = tempDir('tuneloom-gguf-arch-');
  const prompt = [72, 101, 108, 108, 111, 44, 32, 119, 111, 114, 108, 100]; // "Hello, world" bytes
  for (const shape of ['tiny-llama', 'tiny-qwen3']) {
    const modelDir = join(work, shape, 'model');
    writeSyntheticCheckpoint({ shape, out: modelDir, dtype: 'f32', seed: 3, std: 0.35 });
    writeTinyTokenizer(modelDir);
    const adapterDir = join(work, shape, 'adapter');
    writeRandomAdapter(modelDir, adapterDir);
    const res = await exportGguf({ model: modelDir, adapter: adapterDir, out: join(work, shape, 'gguf'), type: 'f16' });

    const backend = testBackend('cpu').backend;
    const weights = await loadGgmlWeightsFromDir(modelDir, backend, { weights: 'f32' });
    const lora = new GgmlLora(backend, await readLoraAdapterHost(adapterDir, weights.config));
    const base = new GgmlCausalLM(weights, backend, { lora });
    const steps = await greedySteps(base, prompt, 8);
    base.dispose();
    lora.dispose();
    weights.dispose();
    backend.dispose();

    const model = await llama.loadModel({ modelPath: res.ggufFile });
    const ctx = await model.createContext({ contextSize: 64, threads: 1 });
    const got: number[] = [];
    for await (const id of ctx.getSequence().evaluate(prompt, { temperature: 0 })) {
      got.push(id);
      if (got.length === steps.length) break;
    }
    await ctx.dispose();
    await model.dispose();
    // Identical up to the first step where our own top-2 margin is within f16 noise (if any).
    const firstDoubt = steps.findIndex((s) => s.margin < 2e-3 * s.scale);
    const n = firstDoubt < 0 ? steps.length : firstDoubt + 1;
    assert.ok(n >= 3, `${shape}: margins too small to test (${steps.map((s) => s.margin.toFixed(4))})`);
    assert.deepEqual(
      got.slice(0, n),
      steps.slice(0, n).map((s) => s.id),
      `${shape}: llama.cpp ${got} vs engine ${steps.map((s) => s.id)}`,
    );
  }
});
