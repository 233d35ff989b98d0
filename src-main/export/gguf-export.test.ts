/**
 * GGUF export of the tiny Qwen2 fixture (+ adapter): parsed back with our own reader, checked for
 * the v3 layout llama.cpp expects (names, ggml types, dims order, alignment, metadata, tokenizer),
 * and run back through the ggml engine: greedy tokens equal base + adapter's (the export self-check).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tempDir, tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../test-support/paths';
import { testBackend } from '../test-support/ggml';
import { GgmlCausalLM, GgmlLora } from '../engine/ggml/causal-lm';
import { loadGgmlWeightsFromDir } from '../engine-node/ggml-load';
import { readLoraAdapterHost, readModelConfig } from '../engine-node/load-model';
import { exportGguf } from './gguf-export';
import { GgmlType, GgufValueType, Q8_0_BLOCK_BYTES } from './gguf-format';
import { GgufTokenType } from './gguf-metadata';
import { parseGguf, readGgufTensor, type GgufFile } from './gguf-reader';
import { loadGgufIntoGgml } from './gguf-to-engine';
import { openMergedSource } from './merged-source';
import { greedySelfCheck } from './self-check';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8')) as { prompts: { ids: number[] }[] };
const work = tempDir('tuneloom-gguf-');
const config = readModelConfig(tinyQwen2Model);
const files: Record<'f16' | 'q8_0', GgufFile> = {} as Record<'f16' | 'q8_0', GgufFile>;

before(async () => {
  for (const type of ['f16', 'q8_0'] as const) {
    const res = await exportGguf({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, out: join(work, type), type });
    assert.equal(statSync(res.ggufFile).size, res.bytes);
    files[type] = parseGguf(new Uint8Array(readFileSync(res.ggufFile)));
  }
});

test('GGUF v3 layout: header, 32-byte alignment, llama.cpp tensor names, dims innermost first, types', () => {
  for (const type of ['f16', 'q8_0'] as const) {
    const f = files[type];
    assert.equal(f.version, 3);
    assert.equal(f.alignment, 32);
    assert.equal(f.dataStart % 32, 0);
    const byName = new Map(f.tensors.map((t) => [t.name, t]));
    assert.equal(f.tensors.length, 1 + 2 * 12 + 1); // embeddings, 12 per layer, final norm; tied output
    assert.equal(f.tensors[0].name, 'token_embd.weight');
    assert.ok(!byName.has('output.weight'), 'tied embeddings: llama.cpp reuses token_embd');
    for (const l of [0, 1]) {
      for (const s of ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'])
        assert.ok(byName.has(`blk.${l}.${s}.weight`), `blk.${l}.${s}`);
      for (const s of ['attn_q', 'attn_k', 'attn_v']) assert.ok(byName.has(`blk.${l}.${s}.bias`));
    }
    assert.deepEqual(byName.get('token_embd.weight')!.dims, [32, 151936]);
    assert.deepEqual(byName.get('blk.0.ffn_down.weight')!.dims, [96, 32]);
    assert.deepEqual(byName.get('blk.0.attn_k.weight')!.dims, [32, 16]);
    const matrix = type === 'q8_0' ? GgmlType.Q8_0 : GgmlType.F16;
    assert.equal(byName.get('blk.1.attn_q.weight')!.type, matrix);
    assert.equal(byName.get('token_embd.weight')!.type, matrix);
    for (const n of ['blk.0.attn_norm.weight', 'output_norm.weight', 'blk.0.attn_q.bias']) assert.equal(byName.get(n)!.type, GgmlType.F32, n);
    for (const t of f.tensors) assert.equal(t.offset % 32, 0, t.name);
  }
  const q = files.q8_0.tensors.find((t) => t.name === 'blk.0.ffn_up.weight')!;
  const next = files.q8_0.tensors[files.q8_0.tensors.indexOf(q) + 1];
  assert.ok(next.offset - q.offset >= ((96 * 32) / 32) * Q8_0_BLOCK_BYTES);
});

test('GGUF metadata: qwen2 hyper-parameters with their GGUF types, tokenizer, special ids, chat template', () => {
  const f = files.f16;
  const m = f.metadata;
  const tokCfg = JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer_config.json'), 'utf8')) as { chat_template: string };
  const tokJson = JSON.parse(readFileSync(join(tinyQwen2Model, 'tokenizer.json'), 'utf8')) as { model: { merges: [string, string][] } };
  assert.equal(m.get('general.architecture'), 'qwen2');
  assert.equal(m.get('general.file_type'), 1);
  assert.equal(files.q8_0.metadata.get('general.file_type'), 7);
  const expectU32: [string, number][] = [
    ['qwen2.block_count', 2],
    ['qwen2.context_length', 2048],
    ['qwen2.embedding_length', 32],
    ['qwen2.feed_forward_length', 96],
    ['qwen2.attention.head_count', 4],
    ['qwen2.attention.head_count_kv', 2],
  ];
  for (const [k, v] of expectU32) {
    assert.equal(m.get(k), v, k);
    assert.equal(f.metadataTypes.get(k), GgufValueType.UINT32, k);
  }
  assert.equal(m.get('qwen2.rope.freq_base'), 1e6);
  assert.equal(f.metadataTypes.get('qwen2.rope.freq_base'), GgufValueType.FLOAT32);
  assert.equal(m.get('qwen2.attention.layer_norm_rms_epsilon'), Math.fround(1e-6));
  assert.equal(m.get('tokenizer.ggml.model'), 'gpt2');
  assert.equal(m.get('tokenizer.ggml.pre'), 'qwen2');
  const tokens = m.get('tokenizer.ggml.tokens') as string[];
  const types = m.get('tokenizer.ggml.token_type') as number[];
  assert.equal(tokens.length, 151936);
  assert.equal(types.length, 151936);
  assert.equal(tokens[151643], '<|endoftext|>');
  assert.equal(types[151643], GgufTokenType.CONTROL);
  assert.equal(tokens[151667], '<think>');
  assert.equal(types[151667], GgufTokenType.USER_DEFINED); // added, special: false
  assert.equal(tokens[151700], '[PAD151700]');
  assert.equal(types[151700], GgufTokenType.UNUSED);
  assert.equal(types[1000], GgufTokenType.NORMAL);
  const merges = m.get('tokenizer.ggml.merges') as string[];
  assert.equal(merges.length, tokJson.model.merges.length);
  assert.equal(merges[0], `${tokJson.model.merges[0][0]} ${tokJson.model.merges[0][1]}`);
  assert.equal(m.get('tokenizer.ggml.bos_token_id'), 151643);
  assert.equal(m.get('tokenizer.ggml.eos_token_id'), 151645);
  assert.equal(m.get('tokenizer.ggml.padding_token_id'), 151643);
  assert.equal(m.get('tokenizer.ggml.add_bos_token'), false);
  assert.equal(m.get('tokenizer.chat_template'), tokCfg.chat_template);
});

test('tensor data: the merged weights, in f16 to half precision and in q8_0 to half a quantization step', async () => {
  const src = await openMergedSource(tinyQwen2Model, tinyQwen2Adapter);
  try {
    const merged = await src.read('model.layers.0.self_attn.q_proj.weight'); // [32, 32], LoRA folded in
    const f16 = readGgufTensor(
      files.f16,
      files.f16.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!,
    );
    const q8 = readGgufTensor(
      files.q8_0,
      files.q8_0.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!,
    );
    for (let i = 0; i < merged.length; i++) {
      assert.ok(Math.abs(f16[i] - merged[i]) <= Math.abs(merged[i]) * 2 ** -11 + 2 ** -24, `f16 ${i}`);
      let amax = 0; // the block's scale d = amax / 127
      const b0 = Math.floor(i / 32) * 32;
      for (let j = b0; j < b0 + 32; j++) amax = Math.max(amax, Math.abs(merged[j]));
      // Half a step from rounding q, plus the f16 rounding of d (relative 2^-11) times |q| <= 127.
      const d = amax / 127;
      assert.ok(Math.abs(q8[i] - merged[i]) <= d * (0.5 + 127 * 2 ** -11) + 1e-12, `q8_0 ${i}`);
    }
    const norm = readGgufTensor(
      files.f16,
      files.f16.tensors.find((t) => t.name === 'output_norm.weight')!,
    );
    assert.deepEqual(norm, await src.read('model.norm.weight')); // F32: exact
  } finally {
    src.close();
  }
});

test("self-check: the GGUF, read back into the ggml engine, gives base + adapter's greedy tokens", async () => {
  const backend = testBackend('cpu').backend;
  const baseWeights = await loadGgmlWeightsFromDir(tinyQwen2Model, backend, { weights: 'f32' });
  const ggmlLora = new GgmlLora(backend, await readLoraAdapterHost(tinyQwen2Adapter, config));
  const reference = new GgmlCausalLM(baseWeights, backend, { lora: ggmlLora });
  try {
    for (const type of ['f16', 'q8_0'] as const) {
      const weights = await loadGgufIntoGgml(join(work, type, `model-${type}.gguf`), config, backend);
      const exported = new GgmlCausalLM(weights, backend);
      try {
        const r = await greedySelfCheck({
          reference,
          exported,
          prompts: goldens.prompts.slice(0, 2).map((p) => p.ids),
          tokens: 6,
          format: type === 'f16' ? 'F16' : 'Q8_0',
        });
        assert.ok(r.ok, r.summary);
        assert.ok(
          r.prompts.every((p) => p.identical),
          `${type}: ${r.summary}`,
        );
      } finally {
        exported.dispose();
        weights.dispose();
      }
    }
  } finally {
    reference.dispose();
    ggmlLora.dispose();
    baseWeights.dispose();
    backend.dispose();
  }
});

test('Modelfile beside the GGUF', () => {
  const text = readFileSync(join(work, 'q8_0', 'Modelfile'), 'utf8');
  assert.ok(text.startsWith('FROM ./model-q8_0.gguf\nTEMPLATE """'));
  assert.ok(text.includes('PARAMETER stop "<|im_end|>"'));
});
