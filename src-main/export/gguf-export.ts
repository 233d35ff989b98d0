/**
 * Export of base + adapter as one GGUF v3 file (f16 or q8_0) for llama.cpp and Ollama, plus an
 * Ollama Modelfile beside it. The adapter is folded in (merged-source.ts), tensors are renamed,
 * typed and (for Llama) permuted as convert_hf_to_gguf.py does (gguf-tensors.ts), and metadata and
 * tokenizer follow gguf-metadata.ts. The Modelfile template is verified before any weight is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import { renderChat } from '../engine/tokenizer/chat-template';
import { openFileSink, type ByteSink, type OpenSink } from './byte-sink';
import { ByteBuilder } from './gguf-bytes';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgmlType, LlamaFileType, alignUp, ggmlTypeBytes } from './gguf-format';
import { ggufMetadata, type TokenizerJson } from './gguf-metadata';
import { encodeGgml, ggmlTypeFor, ggufTensorName, llamaPermuteHeads, permuteForLlamaRope, type GgufOutType } from './gguf-tensors';
import { openMergedSource, type MergedSource } from './merged-source';
import { findChatTemplate } from '../engine-node/find-chat-template';
import { buildModelfile, type ModelfileResult } from './ollama-modelfile';
import { diskFullError, stageOutput } from './output-folder';

export interface GgufExportOptions {
  model: string;
  adapter: string;
  out: string;
  type: GgufOutType;
  force?: boolean;
  /** Paths the export may not replace (default: the data folder and its store). */
  protect?: string[];
  openSink?: OpenSink;
  onProgress?: (done: number, total: number) => void;
}

export interface GgufExportResult {
  dir: string;
  ggufFile: string;
  modelfile: string;
  tensors: number;
  bytes: number;
  template: ModelfileResult;
  config: ModelConfig;
}

interface PlannedTensor {
  hfName: string;
  name: string;
  shape: number[];
  type: GgmlType;
  offset: number;
  bytes: number;
}

/** Tensors convert_hf_to_gguf.py drops. */
const IGNORED = /(\.rotary_emb\.inv_freq|\.attention\.masked_bias|\.attention\.bias)$/;

function layerOrder(name: string): [number, string] {
  const m = /^model\.layers\.(\d+)\./.exec(name);
  if (m) return [Number(m[1]) + 1, name];
  return [name === 'model.embed_tokens.weight' ? 0 : Number.MAX_SAFE_INTEGER, name];
}

function readJson(path: string): Record<string, unknown> {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
}

export const ggufFileName = (type: GgufOutType): string => `model-${type}.gguf`;

/** The model folder's JSON files the export reads beside the weights (absent ones read as {}). */
interface ModelFiles {
  rawConfig: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  tokenizerJson: TokenizerJson;
  generationConfig: Record<string, unknown>;
  chatTemplate: string | undefined;
}

function readModelFiles(modelDir: string): ModelFiles {
  const rawConfig = readJson(join(modelDir, 'config.json'));
  const tokenizerConfig = readJson(join(modelDir, 'tokenizer_config.json'));
  const tokenizerJson = readJson(join(modelDir, 'tokenizer.json')) as TokenizerJson;
  const generationConfig = readJson(join(modelDir, 'generation_config.json'));
  // The chat template and special-token texts come straight from the files: loading the full
  // tokenizer would cost seconds for nothing here.
  const chatTemplate = findChatTemplate(modelDir, tokenizerConfig)?.template;
  return { rawConfig, tokenizerConfig, tokenizerJson, generationConfig, chatTemplate };
}

/** Tensors, in llama.cpp's usual order, with offsets; `dataBytes`: the tensor data, padded, after the header. */
function planTensors(store: MergedSource['store'], outType: GgufOutType): { planned: PlannedTensor[]; dataBytes: number } {
  const names = store.names().filter((n) => !IGNORED.test(n));
  names.sort((a, b) => {
    const [la, na] = layerOrder(a);
    const [lb, nb] = layerOrder(b);
    return la - lb || (na < nb ? -1 : na > nb ? 1 : 0);
  });
  let offset = 0;
  const planned: PlannedTensor[] = names.map((hfName) => {
    const name = ggufTensorName(hfName);
    if (!name)
      throw new UserError(`tensor ${hfName} has no llama.cpp name`, {
        where: store.where(hfName),
        hint: 'GGUF export supports Qwen2, Qwen3 and Llama checkpoints',
      });
    const shape = store.info(hfName)!.shape;
    const type = ggmlTypeFor(name, shape, outType);
    const bytes = ggmlTypeBytes(
      type,
      shape.reduce((a, b) => a * b, 1),
    );
    const t = { hfName, name, shape, type, offset, bytes };
    offset = alignUp(offset + bytes, GGUF_DEFAULT_ALIGNMENT);
    return t;
  });
  return { planned, dataBytes: offset };
}

/** The Ollama Modelfile, its template checked against the HF chat template (throws when they differ). */
function verifiedModelfile(files: ModelFiles, cfg: ModelConfig, fileName: string, modelDir: string): ModelfileResult {
  const { tokenizerJson, generationConfig, chatTemplate } = files;
  const textOf = new Map<number, string>((tokenizerJson.added_tokens ?? []).map((a) => [a.id, a.content]));
  const idToText = (id: number) => textOf.get(id) ?? Object.entries(tokenizerJson.model?.vocab ?? {}).find(([, v]) => v === id)?.[0] ?? String(id);
  const eos = new Set<number>(cfg.eosTokenIds);
  const genEos = generationConfig.eos_token_id;
  for (const id of Array.isArray(genEos) ? genEos : [genEos]) if (typeof id === 'number') eos.add(id);
  return buildModelfile({
    ggufFileName: fileName,
    hfTemplate: chatTemplate,
    render: (m, o) => {
      if (!chatTemplate) throw new Error('unreachable: no template to render');
      return renderChat(chatTemplate, m, o);
    },
    stopTokens: [...eos].map(idToText),
    generationConfig,
    where: join(modelDir, 'tokenizer_config.json'),
  });
}

/** The GGUF header: magic, version, counts, metadata, tensor infos, padded to the alignment. */
function ggufHeader(planned: PlannedTensor[], kv: ReturnType<typeof ggufMetadata>): ByteBuilder {
  const header = new ByteBuilder();
  header.u32(GGUF_MAGIC);
  header.u32(GGUF_VERSION);
  header.u64(planned.length);
  header.u64(kv.length);
  for (const [key, value] of kv) {
    header.string(key);
    header.value(value);
  }
  for (const t of planned) {
    header.string(t.name);
    header.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) header.u64(d); // ggml: innermost dimension first
    header.u32(t.type);
    header.u64(t.offset);
  }
  header.zeros(alignUp(header.length, GGUF_DEFAULT_ALIGNMENT) - header.length);
  return header;
}

export async function exportGguf(opts: GgufExportOptions): Promise<GgufExportResult> {
  const src = await openMergedSource(opts.model, opts.adapter);
  try {
    const { cfg, store, modelDir } = src;
    const files = readModelFiles(modelDir);
    const { planned, dataBytes } = planTensors(store, opts.type);
    const fileName = ggufFileName(opts.type);
    // The template check runs before any weight is written: a wrong template fails fast.
    const modelfile = verifiedModelfile(files, cfg, fileName, modelDir);
    const kv = ggufMetadata({
      cfg,
      rawConfig: files.rawConfig,
      tokenizer: files.tokenizerJson,
      tokenizerConfig: files.tokenizerConfig,
      chatTemplate: files.chatTemplate,
      name: basename(modelDir),
      fileType: opts.type === 'q8_0' ? LlamaFileType.MOSTLY_Q8_0 : LlamaFileType.MOSTLY_F16,
      where: join(modelDir, 'tokenizer.json'),
    });
    const header = ggufHeader(planned, kv);
    const totalBytes = header.length + dataBytes;
    return await writeStaged(opts, { src, planned, header, totalBytes, fileName, modelfile });
  } finally {
    src.close();
  }
}

/** What the staged write needs: the planned file, with its header, and the Modelfile beside it. */
interface GgufPlan {
  src: MergedSource;
  planned: PlannedTensor[];
  header: ByteBuilder;
  totalBytes: number;
  fileName: string;
  modelfile: ModelfileResult;
}

/** Writes the GGUF and the Modelfile into a staging folder, then moves it to `opts.out` (or removes it on failure). */
async function writeStaged(opts: GgufExportOptions, plan: GgufPlan): Promise<GgufExportResult> {
  const { planned, totalBytes, fileName, modelfile } = plan;
  const staged = stageOutput(opts.out, { force: opts.force ?? false, protect: opts.protect, kind: 'gguf', neededBytes: totalBytes });
  const ggufPath = join(staged.stagingDir, fileName);
  let current = ggufPath;
  try {
    const sink = (opts.openSink ?? openFileSink)(ggufPath);
    try {
      sink.write(plan.header.concat());
      await writeTensors(plan, sink, opts.onProgress);
    } finally {
      sink.close();
    }
    current = join(staged.stagingDir, 'Modelfile');
    const mf = (opts.openSink ?? openFileSink)(current);
    try {
      mf.write(new TextEncoder().encode(modelfile.text));
    } finally {
      mf.close();
    }
    staged.commit();
    return {
      dir: staged.finalDir,
      ggufFile: join(staged.finalDir, fileName),
      modelfile: join(staged.finalDir, 'Modelfile'),
      tensors: planned.length,
      bytes: totalBytes,
      template: modelfile,
      config: plan.src.cfg,
    };
  } catch (err) {
    staged.abort();
    throw diskFullError(err, current.replace(staged.stagingDir, staged.finalDir), totalBytes);
  }
}

/** Each tensor as ggml stores it (permuted for Llama's rope where needed), padded to the alignment. */
async function writeTensors(plan: GgufPlan, sink: ByteSink, onProgress: GgufExportOptions['onProgress']): Promise<void> {
  const { src, planned } = plan;
  let written = 0;
  for (const [i, t] of planned.entries()) {
    let values = await src.read(t.hfName);
    const heads = llamaPermuteHeads(t.hfName, src.cfg);
    if (heads) values = permuteForLlamaRope(values, heads, t.shape[0]);
    const data = encodeGgml(values, t.type);
    sink.write(data);
    written += data.byteLength;
    const padded = alignUp(written, GGUF_DEFAULT_ALIGNMENT);
    if (padded > written) {
      sink.write(new Uint8Array(padded - written));
      written = padded;
    }
    onProgress?.(i + 1, planned.length);
  }
}
