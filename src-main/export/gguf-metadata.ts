/**
 * GGUF metadata for a Hugging Face Qwen2 / Qwen3 / Llama folder, under the keys llama.cpp reads
 * (gguf-py `constants.Keys`) and with the values convert_hf_to_gguf.py would write: architecture
 * hyper-parameters, and the byte-level BPE tokenizer ("gpt2" model, pre-tokenizer name, every token
 * padded to the config's vocab_size with [PADi] UNUSED entries, token types, merges "a b", special
 * ids, add_bos/add_eos, chat template).
 */
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import { LlamaFileType, bool, f32, i32Array, str, strArray, u32, type GgufValue } from './gguf-format';

/** gguf-py `TokenType`. */
export enum GgufTokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

export interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: AddedToken[];
  pre_tokenizer?: unknown;
}

/** The split regexes of the byte-level BPE tokenizers llama.cpp knows by name. */
const KNOWN_PRE: Record<string, string> = {
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'qwen2',
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'llama-bpe',
};

function splitRegexes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => splitRegexes(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'Split' && o.pattern && typeof (o.pattern as { Regex?: unknown }).Regex === 'string') out.push((o.pattern as { Regex: string }).Regex);
    for (const v of Object.values(o)) if (v && typeof v === 'object') splitRegexes(v, out);
  }
  return out;
}

export function preTokenizerName(tok: TokenizerJson, where: string): string {
  for (const re of splitRegexes(tok.pre_tokenizer)) if (KNOWN_PRE[re]) return KNOWN_PRE[re];
  throw new UserError("the tokenizer's pre-tokenizer is not one llama.cpp knows (Qwen2 or Llama 3 style)", {
    where: `${where} (pre_tokenizer)`,
    hint: 'GGUF export supports Qwen2/Qwen2.5/Qwen3 and Llama 3 tokenizers; export a merged model instead',
  });
}

/** convert_hf_to_gguf.py `does_token_look_special`, for added tokens not flagged special. */
function looksSpecial(t: string): boolean {
  return (
    ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) ||
    (t.startsWith('<|') && t.endsWith('|>')) ||
    (t.startsWith('<｜') && t.endsWith('｜>')) ||
    (t.startsWith('<unused') && t.endsWith('>'))
  );
}

export interface GgufVocab {
  tokens: string[];
  types: number[];
  merges: string[];
}

export function buildVocab(tok: TokenizerJson, vocabSize: number, where: string): GgufVocab {
  if (tok.model?.type !== 'BPE' || !tok.model.vocab) {
    throw new UserError('GGUF export needs a byte-level BPE tokenizer.json', { where: `${where} (model.type)` });
  }
  const byId = new Map<number, string>();
  for (const [t, id] of Object.entries(tok.model.vocab)) byId.set(id, t);
  const added = new Map<number, AddedToken>();
  for (const a of tok.added_tokens ?? []) {
    byId.set(a.id, a.content);
    added.set(a.id, a);
  }
  let maxId = -1;
  for (const id of byId.keys()) if (id > maxId) maxId = id; // no spread: 150k arguments overflow the stack
  if (maxId >= vocabSize) {
    throw new UserError(`tokenizer has token id ${maxId} but config.json vocab_size is ${vocabSize}`, {
      where,
      hint: 'the tokenizer does not belong to this model',
    });
  }
  const tokens: string[] = new Array(vocabSize);
  const types: number[] = new Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) {
    const t = byId.get(i);
    const a = added.get(i);
    if (t === undefined) {
      tokens[i] = `[PAD${i}]`;
      types[i] = GgufTokenType.UNUSED;
    } else if (a) {
      const control = a.special === true || looksSpecial(t);
      tokens[i] = control ? t : t.replaceAll('\u2581', ' ');
      types[i] = control ? GgufTokenType.CONTROL : GgufTokenType.USER_DEFINED;
    } else {
      tokens[i] = t;
      types[i] = GgufTokenType.NORMAL;
    }
  }
  const merges = (tok.model.merges ?? []).map((m) => (Array.isArray(m) ? `${m[0]} ${m[1]}` : m));
  return { tokens, types, merges };
}

export interface MetadataInput {
  cfg: ModelConfig;
  rawConfig: Record<string, unknown>;
  tokenizer: TokenizerJson;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate?: string;
  name: string;
  fileType: LlamaFileType;
  where: string;
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

export function ggufMetadata(input: MetadataInput): [string, GgufValue][] {
  const { cfg, rawConfig, tokenizer, tokenizerConfig } = input;
  const arch = cfg.family;
  if (cfg.rope.type === 'llama3') {
    throw new UserError('GGUF export of Llama 3.1-style RoPE scaling (rope_type "llama3") is not supported yet', {
      where: `${input.where} (rope_scaling)`,
      hint: "export a merged model and convert it with llama.cpp's convert_hf_to_gguf.py",
    });
  }
  const kv: [string, GgufValue][] = [
    ['general.architecture', str(arch)],
    ['general.type', str('model')],
    ['general.name', str(input.name)],
    ['general.file_type', u32(input.fileType)],
    ['general.quantization_version', u32(2)],
    ['general.alignment', u32(32)],
    [`${arch}.block_count`, u32(cfg.numLayers)],
    [`${arch}.context_length`, u32(cfg.maxPositions)],
    [`${arch}.embedding_length`, u32(cfg.hiddenSize)],
    [`${arch}.feed_forward_length`, u32(cfg.intermediateSize)],
    [`${arch}.attention.head_count`, u32(cfg.numHeads)],
    [`${arch}.attention.head_count_kv`, u32(cfg.numKvHeads)],
    [`${arch}.rope.freq_base`, f32(cfg.rope.theta)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(cfg.rmsNormEps)],
  ];
  if (typeof rawConfig.head_dim === 'number' || cfg.headDim * cfg.numHeads !== cfg.hiddenSize) {
    kv.push([`${arch}.attention.key_length`, u32(cfg.headDim)], [`${arch}.attention.value_length`, u32(cfg.headDim)]);
  }
  if (arch === 'llama') kv.push([`${arch}.vocab_size`, u32(cfg.vocabSize)], [`${arch}.rope.dimension_count`, u32(cfg.headDim)]);
  if (cfg.rope.type === 'linear') kv.push([`${arch}.rope.scaling.type`, str('linear')], [`${arch}.rope.scaling.factor`, f32(cfg.rope.factor)]);

  const vocab = buildVocab(tokenizer, cfg.vocabSize, input.where);
  kv.push(
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str(preTokenizerName(tokenizer, input.where))],
    ['tokenizer.ggml.tokens', strArray(vocab.tokens)],
    ['tokenizer.ggml.token_type', i32Array(vocab.types)],
    ['tokenizer.ggml.merges', strArray(vocab.merges)],
  );
  // Special ids as gguf-py's SpecialVocab finds them: tokenizer_config first, then config.json.
  const idOf = new Map<string, number>();
  vocab.tokens.forEach((t, i) => {
    if (vocab.types[i] === GgufTokenType.CONTROL || vocab.types[i] === GgufTokenType.USER_DEFINED) idOf.set(t, i);
  });
  for (const [typ, key] of [
    ['bos', 'bos_token_id'],
    ['eos', 'eos_token_id'],
    ['pad', 'padding_token_id'],
  ] as const) {
    const text = tokenText(tokenizerConfig[`${typ}_token`]);
    let id = text !== undefined ? (idOf.get(text) ?? tokenizer.model?.vocab?.[text]) : undefined;
    if (id === undefined) {
      const fromConfig = rawConfig[`${typ}_token_id`];
      id = typeof fromConfig === 'number' ? fromConfig : Array.isArray(fromConfig) && typeof fromConfig[0] === 'number' ? fromConfig[0] : undefined;
    }
    if (id !== undefined) kv.push([`tokenizer.ggml.${key}`, u32(id)]);
  }
  for (const flag of ['add_bos_token', 'add_eos_token']) {
    if (typeof tokenizerConfig[flag] === 'boolean') kv.push([`tokenizer.ggml.${flag}`, bool(tokenizerConfig[flag] as boolean)]);
  }
  if (input.chatTemplate) kv.push(['tokenizer.chat_template', str(input.chatTemplate)]);
  return kv;
}
