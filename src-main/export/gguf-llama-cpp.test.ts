/**
 * The GGUF export read by llama.cpp itself, through node-llama-cpp's prebuilt binaries (a dev
 * dependency): it loads, tokenizes the fixture texts and chats to transformers' ids, and decodes
 * greedily to the tokens transformers + peft produce with the adapter (goldens.json). Skipped, with
 * the reason, where node-llama-cpp or its prebuilt binary is not available.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedFixtures, tempDir, tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../test-support/paths';
import { exportGguf } from './gguf-export';

/** The slice of node-llama-cpp's API this test uses (kept local: the package is optional). */
interface LlamaModelLike {
  tokenize(text: string, specialTokens?: boolean): number[];
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

async function loadNodeLlamaCpp(): Promise<{ mod?: NodeLlamaCpp; why?: string }> {
  try {
    const name = 'node-llama-cpp';
    return { mod: (await import(name)) as NodeLlamaCpp };
  } catch (e) {
    return { why: `node-llama-cpp is not installed (${(e as Error).message.split('\n')[0]})` };
  }
}

const { mod, why } = await loadNodeLlamaCpp();
const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')) as {
  prompts: { ids: number[] }[];
  adapter: { prompts: { greedy12: number[]; greedy_min_margin: number }[] };
};
const tokGoldens = JSON.parse(readFileSync(join(sharedFixtures, 'tokenizer_goldens.json'), 'utf8')) as {
  texts: { text: string; ids: number[] }[];
  chats: { rendered: string; ids: number[] }[];
};

test(
  'llama.cpp loads the f16 and q8_0 GGUF exports: same token ids as transformers, same greedy tokens as transformers + peft',
  { skip: why ?? false },
  async (t) => {
    const work = tempDir('tuneloom-llamacpp-');
    let llama;
    try {
      // One thread: on a shared 2-core CI machine llama.cpp's spinning worker threads cost 100x.
      llama = await mod!.getLlama({
        gpu: false,
        build: 'never',
        usePrebuiltBinaries: true,
        progressLogs: false,
        logLevel: mod!.LlamaLogLevel.error,
        maxThreads: 1,
      });
    } catch (e) {
      // A machine without the prebuilt binary for its platform: say so rather than fail.
      t.skip(`no usable llama.cpp binary: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    for (const type of ['f16', 'q8_0'] as const) {
      const res = await exportGguf({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out: join(work, type), type });
      const model = await llama.loadModel({ modelPath: res.ggufFile });
      try {
        // The GGUF's tokenizer (pre-tokenizer name, merges, token types, special tokens) in llama.cpp.
        for (const t of tokGoldens.texts) assert.deepEqual(model.tokenize(t.text, true), t.ids, `${type}: ${JSON.stringify(t.text)}`);
        for (const c of tokGoldens.chats) assert.deepEqual(model.tokenize(c.rendered, true), c.ids, `${type}: chat`);
        // Greedy decoding, where transformers' own margins leave no doubt about the argmax.
        for (const [i, p] of goldens.prompts.entries()) {
          const golden = goldens.adapter.prompts[i];
          if (golden.greedy_min_margin < 0.05) continue; // prompt 3: a 0.002 margin, below q8_0/f16 noise
          const ctx = await model.createContext({ contextSize: 128, threads: 1 });
          try {
            const out: number[] = [];
            for await (const id of ctx.getSequence().evaluate(p.ids, { temperature: 0 })) {
              out.push(id);
              if (out.length === golden.greedy12.length) break;
            }
            assert.deepEqual(out, golden.greedy12, `${type} prompt ${i}`);
          } finally {
            await ctx.dispose();
          }
        }
      } finally {
        await model.dispose();
      }
    }
  },
);
