/**
 * Writes the project's own tiny model for fast learning tests: a real Hugging Face Qwen2 folder
 * (config.json, model.safetensors, generation_config.json, tokenizer.json, tokenizer_config.json)
 * with a byte-level BPE tokenizer of 256 byte tokens and no merges plus three special tokens, so the
 * vocabulary is 259 and a training step takes milliseconds instead of the fixture's 151,936-word head.
 * The chat template is Qwen2.5's ChatML without the default system prompt. Weights are random and
 * seeded; the embedding spread is large enough (std 0.5, as the shared fixture uses) that a tied head
 * can reach confident predictions through the final RMSNorm.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeSafetensors, type TensorToWrite } from '../engine/io/safetensors';
import { Rng } from '../engine/train/rng';

export const TINY_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface TinyModelOptions {
  hidden?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  intermediate?: number;
  seed?: number;
  /** Tie the LM head to the embeddings (default true, as small Qwen models do). */
  tieEmbeddings?: boolean;
}

const CHATML =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256 + n. */
export function byteLevelAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const out = new Array<string>(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + n++);
  return out;
}

function tokenizerJson(): object {
  const vocab: Record<string, number> = {};
  byteLevelAlphabet().forEach((ch, b) => (vocab[ch] = b));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: TINY_SPECIALS.map((content, i) => ({
      id: 256 + i,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

function gaussian(rng: Rng): number {
  // Box-Muller on two uniforms in (0, 1].
  const u = 1 - rng.nextFloat();
  const v = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function writeTinyModel(dir: string, opts: TinyModelOptions = {}): string {
  const hidden = opts.hidden ?? 64;
  const layers = opts.layers ?? 2;
  const heads = opts.heads ?? 4;
  const kvHeads = opts.kvHeads ?? 2;
  const inter = opts.intermediate ?? 128;
  const vocab = 256 + TINY_SPECIALS.length;
  const hd = hidden / heads;
  const rng = new Rng(opts.seed ?? 7);
  mkdirSync(dir, { recursive: true });
  const tensors: TensorToWrite[] = [];
  const add = (name: string, shape: number[], fill: () => number) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = fill();
    tensors.push({ name, shape, data });
  };
  const dense = (name: string, out: number, inp: number) => add(name, [out, inp], () => gaussian(rng) / Math.sqrt(inp));
  add('model.embed_tokens.weight', [vocab, hidden], () => 0.5 * gaussian(rng));
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}.`;
    add(p + 'input_layernorm.weight', [hidden], () => 1);
    add(p + 'post_attention_layernorm.weight', [hidden], () => 1);
    dense(p + 'self_attn.q_proj.weight', heads * hd, hidden);
    add(p + 'self_attn.q_proj.bias', [heads * hd], () => 0);
    dense(p + 'self_attn.k_proj.weight', kvHeads * hd, hidden);
    add(p + 'self_attn.k_proj.bias', [kvHeads * hd], () => 0);
    dense(p + 'self_attn.v_proj.weight', kvHeads * hd, hidden);
    add(p + 'self_attn.v_proj.bias', [kvHeads * hd], () => 0);
    dense(p + 'self_attn.o_proj.weight', hidden, heads * hd);
    dense(p + 'mlp.gate_proj.weight', inter, hidden);
    dense(p + 'mlp.up_proj.weight', inter, hidden);
    dense(p + 'mlp.down_proj.weight', hidden, inter);
  }
  add('model.norm.weight', [hidden], () => 1);
  const tie = opts.tieEmbeddings ?? true;
  if (!tie) dense('lm_head.weight', vocab, hidden);
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
  const config = {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: hidden,
    intermediate_size: inter,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    hidden_act: 'silu',
    max_position_embeddings: 1024,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: tie,
    vocab_size: vocab,
    bos_token_id: 256,
    eos_token_id: 258,
    torch_dtype: 'float32',
    attention_dropout: 0,
    use_sliding_window: false,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: 256, eos_token_id: [258, 256], pad_token_id: 256 }, null, 2));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson()));
  const tokCfg = {
    add_prefix_space: false,
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    model_max_length: 1024,
    tokenizer_class: 'Qwen2Tokenizer',
    chat_template: CHATML,
    added_tokens_decoder: Object.fromEntries(
      TINY_SPECIALS.map((content, i) => [String(256 + i), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
    ),
  };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokCfg, null, 2));
  return dir;
}
