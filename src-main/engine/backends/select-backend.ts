/**
 * Picks and initialises the tfjs backend: `auto` tries webgpu (when a hardware adapter is found through
 * navigator.gpu, provided in Node by the `webgpu` package's Dawn), then `tensorflow`
 * (@tensorflow/tfjs-node-gpu, optional: it needs CUDA 11.2 + cuDNN 8.1), then wasm, then cpu.
 * Reports which one it chose and why, so the CLI can print it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors';
import { guardWebgpuBindings } from './webgpu-binding-guard';
import type { ModelConfig } from '../config/model-config';
import { estimateTraining, type TrainingEstimateInput } from '../planner/estimate-training';

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: BackendChoice[] = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendSelection {
  backend: BackendName;
  /** One line: why this one, and why the better ones were passed over. */
  reason: string;
}

type Attempt = { ok: true } | { ok: false; why: string };

/** A training run's shape, for the wasm heap check (the planner's input without model, budget and backend). */
export type TrainingShape = Omit<TrainingEstimateInput, 'config' | 'weightFormat' | 'backend' | 'budgetBytes' | 'flopsPerSecond' | 'examples' | 'timeSeqLen' | 'weightFormatsAvailable'>;

export interface SelectOptions {
  /** The model about to be loaded, so wasm can be refused when it cannot hold it. */
  model?: ModelConfig;
  /** With `model`: the training run it is for, whose adapter, optimiser and activations share the heap. */
  training?: TrainingShape;
  /**
   * For auto: asked before WebGPU is opened in this process; a reason skips it (a child process can
   * look at the adapter without Dawn's native warnings reaching the user, see engine-node).
   */
  webgpuPassOver?: () => Promise<string | null>;
}

/** wasm32's heap is 4 GiB; keep room for activations and the KV cache. */
export const WASM_HEAP_BUDGET = 3.5 * 2 ** 30;

/**
 * Bytes a model needs in the wasm heap: float32 weights, plus the XNNPACK-packed copy that
 * tfjs-backend-wasm keeps of every projection kernel it multiplies by (see nn/linear.ts).
 */
export function estimatedWasmBytes(cfg: ModelConfig): number {
  const { hiddenSize: h, intermediateSize: ff, numHeads, numKvHeads, headDim: hd, numLayers, vocabSize } = cfg;
  const projections = numLayers * (h * numHeads * hd * 2 + h * numKvHeads * hd * 2 + 3 * h * ff);
  const embeddings = vocabSize * h * (cfg.tieWordEmbeddings ? 1 : 2);
  return 4 * (embeddings + 2 * projections);
}

function message(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0];
}

interface AdapterLike {
  info?: { isFallbackAdapter?: boolean; device?: string; description?: string };
  isFallbackAdapter?: boolean;
}

/** `allowSoftware`: accept a CPU-emulated adapter (Mesa lavapipe); auto does not, it is slower than wasm. */
async function tryWebgpu(allowSoftware: boolean, opts: SelectOptions = {}): Promise<Attempt> {
  try {
    const passOver = !allowSoftware && opts.webgpuPassOver ? await opts.webgpuPassOver() : null;
    if (passOver) return { ok: false, why: passOver };
    const g = globalThis as { navigator?: { gpu?: unknown } };
    if (!g.navigator?.gpu) {
      const webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): unknown; globals: Record<string, unknown> };
      Object.assign(globalThis, webgpu.globals);
      if (g.navigator) Object.assign(g.navigator, { gpu: webgpu.create([]) });
      else Object.defineProperty(globalThis, 'navigator', { value: { gpu: webgpu.create([]) }, configurable: true, writable: true });
    }
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } }).navigator?.gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    if (!adapter) return { ok: false, why: 'no WebGPU adapter found' };
    const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    if (software && !allowSoftware) {
      return { ok: false, why: `only a software WebGPU adapter found (${adapter.info?.device || adapter.info?.description || 'fallback adapter'})` };
    }
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return { ok: false, why: 'the webgpu backend failed to initialise' };
    guardWebgpuBindings();
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `webgpu unavailable (${message(e)})` };
  }
}

async function tryTensorflow(): Promise<Attempt> {
  try {
    // Optional dependency: a variable specifier keeps bundlers from resolving it at build time.
    const pkg = '@tensorflow/tfjs-node-gpu';
    await import(/* @vite-ignore */ pkg);
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, why: 'the tensorflow backend failed to initialise' };
    return { ok: true };
  } catch (e) {
    const missing = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(message(e));
    return { ok: false, why: missing ? '@tensorflow/tfjs-node-gpu is not installed' : `@tensorflow/tfjs-node-gpu does not load (${message(e)})` };
  }
}

/**
 * Bytes a training run needs in the wasm heap: the model as above, plus what the planner counts on top
 * of the frozen weights at the run's worst case (max-len rows): LoRA/prefix parameters and gradients,
 * AdamW moments, the activations kept for backprop, logits and workspace.
 */
export function estimatedWasmTrainingBytes(cfg: ModelConfig, training: TrainingShape): number {
  const est = estimateTraining({ ...training, config: cfg, weightFormat: 'f32', engine: 'tfjs', backend: 'wasm', budgetBytes: WASM_HEAP_BUDGET });
  return estimatedWasmBytes(cfg) + est.bytes.total - est.bytes.weights;
}

async function tryWasm(_explicit: boolean, opts: SelectOptions): Promise<Attempt> {
  if (opts.model) {
    const needs = opts.training ? estimatedWasmTrainingBytes(opts.model, opts.training) : estimatedWasmBytes(opts.model);
    if (needs > WASM_HEAP_BUDGET) {
      const gib = (needs / 2 ** 30).toFixed(1);
      return { ok: false, why: opts.training ? `this training run needs ~${gib} GiB in the wasm heap (model, adapter, optimiser and activations), over its 4 GiB limit` : `the model needs ~${gib} GiB in the wasm heap, over its 4 GiB limit` };
    }
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'the wasm backend failed to initialise' };
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `wasm unavailable (${message(e)})` };
  }
}

async function tryCpu(): Promise<Attempt> {
  await import('@tensorflow/tfjs-backend-cpu');
  return (await tf.setBackend('cpu')) ? { ok: true } : { ok: false, why: 'the cpu backend failed to initialise' };
}

const ATTEMPTS: Record<BackendName, (explicit: boolean, opts: SelectOptions) => Promise<Attempt>> = { webgpu: (explicit, opts) => tryWebgpu(explicit, opts), tensorflow: tryTensorflow, wasm: tryWasm, cpu: tryCpu };

export async function selectBackend(choice: BackendChoice | string = 'auto', opts: SelectOptions = {}): Promise<BackendSelection> {
  // PROD silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js"),
  // which would otherwise land on stderr next to our one-line messages.
  tf.env().set('PROD', true);
  if (!BACKEND_CHOICES.includes(choice as BackendChoice)) {
    throw new UserError(`unknown backend "${choice}"`, { where: '--backend', hint: `choose one of ${BACKEND_CHOICES.join(', ')}` });
  }
  if (choice !== 'auto') {
    const r = await ATTEMPTS[choice as BackendName](true, opts);
    if (!r.ok) throw new UserError(`backend ${choice} is not available: ${r.why}`, { where: '--backend', hint: 'use --backend auto to fall back automatically' });
    return { backend: choice as BackendName, reason: `${choice}: asked for with --backend` };
  }
  const skipped: string[] = [];
  for (const name of ['webgpu', 'tensorflow', 'wasm', 'cpu'] as BackendName[]) {
    const r = await ATTEMPTS[name](false, opts);
    if (r.ok) return { backend: name, reason: `${name}: ${skipped.length ? `chosen after ${skipped.join('; ')}` : 'best available'}` };
    skipped.push(r.why);
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}
