/**
 * Mutated model folders: copies of the tiny Qwen2 test model, each with one or two seeded faults in
 * config.json, the tokenizer files, the chat template or the safetensors header / index. Every input is
 * registered (inspectModelFolder), loaded (weights and tokenizer) and asked to render a chat; each must
 * work or be refused with one line naming the folder's file, never an internal error, a hang or a NaN.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadTokenizer } from '../../src-main/engine-node/load-model';
import { loadModelFromDir } from '../../src-main/engine-node/load-tfjs-model';
import { inspectModelFolder } from '../../src-main/models/inspect-model';
import { writeTinyModel } from '../../src-main/test-support/tiny-model';
import { checkReject, newCounts, timed, type FuzzCounts, type FuzzRng } from './fuzz-rng';

const CONFIG_KEYS = [
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'vocab_size',
  'max_position_embeddings',
  'rms_norm_eps',
  'rope_theta',
  'model_type',
  'tie_word_embeddings',
  'eos_token_id',
  'head_dim',
  'rope_scaling',
  'hidden_act',
];
const HOSTILE_VALUES: unknown[] = [-1, 0, 1.5, 1e6, 1e300, 'x', null, [], {}, true, [1, 2], { rope_type: 'yarn' }, 'llama', 'qwen3', 2 ** 53];
const TEMPLATES = [
  '{% for i in range(1000000000) %}x{% endfor %}',
  '{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}',
  "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}",
  '{% for m in messages %}',
  '{{ messages[0].content | upper }}{{ raise_exception("no") }}',
  '{{ undefined_thing.attr }}',
  '',
  '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}',
];

function editJson(path: string, edit: (v: Record<string, unknown>) => unknown): void {
  const v = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const out = edit(v);
  writeFileSync(path, JSON.stringify(out ?? v));
}

function safetensorsHeader(path: string): { len: number; header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>; data: Buffer } {
  const b = readFileSync(path);
  const len = Number(b.readBigUInt64LE(0));
  return { len, header: JSON.parse(b.subarray(8, 8 + len).toString('utf8')), data: b.subarray(8 + len) };
}

function writeSafetensors(path: string, header: unknown, data: Buffer): void {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, data]));
}

/** The folder one mutation works on, and the files most of them edit. */
interface ModelFiles {
  dir: string;
  cfg: string;
  tokCfg: string;
  weights: string;
}

/** One kind of fault: edits the folder with draws from `rng` and returns its label. */
type Mutation = (rng: FuzzRng, f: ModelFiles) => string;

function hostileConfigValue(rng: FuzzRng, { cfg }: ModelFiles): string {
  const key = rng.pick(CONFIG_KEYS);
  const value = rng.pick(HOSTILE_VALUES);
  editJson(cfg, (v) => ({ ...v, [key]: value }));
  return `config.json ${key}=${JSON.stringify(value)}`;
}

function missingConfigKey(rng: FuzzRng, { cfg }: ModelFiles): string {
  const key = rng.pick(CONFIG_KEYS);
  editJson(cfg, (v) => {
    delete v[key];
    return v;
  });
  return `config.json without ${key}`;
}

/** A JSON file of the folder cut short, replaced by an array, or made a folder. */
function brokenJsonFile(rng: FuzzRng, { dir }: ModelFiles): string {
  const what = rng.pick(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json']);
  const p = join(dir, what);
  const b = readFileSync(p);
  const kind = rng.int(3);
  if (kind === 0) writeFileSync(p, b.subarray(0, rng.int(b.length)));
  else if (kind === 1) writeFileSync(p, '[1, 2, 3]');
  else {
    rmSync(p);
    mkdirSync(p);
  }
  return `${what} ${['cut short', 'an array', 'a folder'][kind]}`;
}

/** A runaway, broken or empty chat template, in tokenizer_config.json or chat_template.jinja. */
function hostileTemplate(rng: FuzzRng, { dir, tokCfg }: ModelFiles): string {
  const t = rng.pick(TEMPLATES);
  if (rng.chance(0.5)) editJson(tokCfg, (v) => ({ ...v, chat_template: t }));
  else writeFileSync(join(dir, 'chat_template.jinja'), t);
  return `chat template ${JSON.stringify(t.slice(0, 30))}`;
}

/** One tensor's entry in the safetensors header: its offsets, shape or dtype made wrong. */
function safetensorsEntry(rng: FuzzRng, { weights }: ModelFiles): string {
  const { header, data } = safetensorsHeader(weights);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = rng.pick(names);
  const entry = header[name]!;
  const field = rng.int(4);
  if (field === 0) entry.data_offsets = [rng.pick([-8, 0.5, 1e15, entry.data_offsets[0]! + 4]), entry.data_offsets[1]!];
  else if (field === 1) entry.data_offsets = [entry.data_offsets[0]!, rng.pick([entry.data_offsets[1]! - 4, entry.data_offsets[1]! + 4, 2 ** 60])];
  else if (field === 2) entry.shape = rng.pick([[-1], [1.5], [], [2 ** 40, 2 ** 40], [...entry.shape].reverse()]);
  else entry.dtype = rng.pick(['Q4_K', 'F8', 'BOOL', 'I8', 'F16', 'BF16']);
  writeSafetensors(weights, header, data);
  return `safetensors ${name} field ${['begin', 'end', 'shape', 'dtype'][field]}`;
}

/** The safetensors bytes cut, one header byte changed, or trailing bytes added. */
function safetensorsBytes(rng: FuzzRng, { weights }: ModelFiles): string {
  const b = readFileSync(weights);
  const kind = rng.int(3);
  if (kind === 0) writeFileSync(weights, b.subarray(0, rng.int(b.length)));
  else if (kind === 1) {
    const c = Buffer.from(b);
    c[rng.int(Math.min(c.length, 600))] = rng.int(256); // inside the length prefix or the JSON header
    writeFileSync(weights, c);
  } else writeFileSync(weights, Buffer.concat([b, Buffer.alloc(1 + rng.int(64))]));
  return `safetensors bytes ${['cut', 'header byte changed', 'trailing bytes'][kind]}`;
}

/** A shard index whose weight_map is the wrong type, escapes the folder, or names missing files. */
function hostileIndex(rng: FuzzRng, { dir, weights }: ModelFiles): string {
  const { header } = safetensorsHeader(weights);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const map = rng.pick<unknown>([
    ['model-00001.safetensors'],
    Object.fromEntries(names.map((n) => [n, '../escape.safetensors'])),
    Object.fromEntries(names.map((n) => [n, 5])),
    Object.fromEntries(names.map((n) => [n, 'missing.safetensors'])),
    Object.fromEntries(names.map((n) => [n, '/etc/hostname'])),
    {},
    'weights',
  ]);
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
  return `index weight_map ${JSON.stringify(map).slice(0, 40)}`;
}

function hostileEosToken(rng: FuzzRng, { tokCfg }: ModelFiles): string {
  editJson(tokCfg, (v) => ({ ...v, eos_token: rng.pick<unknown>([null, 5, { content: 7 }, '<|nope|>', '']) }));
  return 'tokenizer_config.json eos_token';
}

function brokenTokenizerModel(rng: FuzzRng, { dir }: ModelFiles): string {
  editJson(join(dir, 'tokenizer.json'), (v) => {
    const model = v.model as Record<string, unknown>;
    const kind = rng.int(3);
    if (kind === 0) model.type = 'WordPiece';
    else if (kind === 1) delete model.vocab;
    else v.added_tokens = [{ id: 'x', content: 5 }];
    return v;
  });
  return 'tokenizer.json model changed';
}

function weightsFolder(_rng: FuzzRng, { weights }: ModelFiles): string {
  rmSync(weights);
  mkdirSync(weights);
  return 'model.safetensors a folder';
}

/** Drawn uniformly; the order is part of the seeded corpus (a seed names the same faults as before). */
const MUTATIONS: Mutation[] = [
  hostileConfigValue,
  missingConfigKey,
  brokenJsonFile,
  hostileTemplate,
  safetensorsEntry,
  safetensorsBytes,
  hostileIndex,
  hostileEosToken,
  brokenTokenizerModel,
  weightsFolder,
];

function mutate(rng: FuzzRng, dir: string): string {
  const files: ModelFiles = {
    dir,
    cfg: join(dir, 'config.json'),
    tokCfg: join(dir, 'tokenizer_config.json'),
    weights: join(dir, 'model.safetensors'),
  };
  return MUTATIONS[rng.int(MUTATIONS.length)](rng, files);
}

export async function fuzzModels(opts: { n: number; rng: FuzzRng; dir: string }): Promise<FuzzCounts> {
  await tf.setBackend('cpu');
  const c = newCounts('model folders', 20_000);
  const base = writeTinyModel(join(opts.dir, 'base'), { hidden: 16, layers: 1, heads: 2, kvHeads: 1, intermediate: 32 });
  const chat = [{ role: 'user', content: 'hi' }];
  for (let i = 0; i < opts.n; i++) {
    const dir = join(opts.dir, `m${i}`);
    cpSync(base, dir, { recursive: true });
    const faults = [mutate(opts.rng, dir)];
    if (opts.rng.chance(0.3)) {
      try {
        faults.push(mutate(opts.rng, dir));
      } catch {
        // The first fault already made that file unreadable (a folder): one fault it is.
      }
    }
    const label = `model ${i} (${faults.join('; ')})`;
    await timed(c, label, async () => {
      try {
        await inspectModelFolder(dir);
        const model = await loadModelFromDir(dir);
        const logits = model.logits(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'));
        const finite = (await logits.data()).every((x) => Number.isFinite(x));
        logits.dispose();
        model.dispose();
        if (!finite) throw new Error('the model computed NaN or Infinity without an error');
        loadTokenizer(dir).renderChat(chat, { addGenerationPrompt: true });
        c.accepted++;
      } catch (err) {
        checkReject(c, label, err, dir);
      }
    });
    rmSync(dir, { recursive: true, force: true });
  }
  return c;
}
