/**
 * Opening the engine that trains a run: LoRA and P-Tuning v2 train on ggml (cpu, vulkan, cuda,
 * metal; the old tfjs backend names map to those with a one-line notice, train-engine-choice.ts).
 * Loads the model's frozen weights, the tokenizer and the adapter to train (a new one from the run's
 * seed, or --init-adapter).
 */
import { join, resolve } from 'node:path';
import { UserError } from '../errors';
import { openBackend } from './ggml-runtime';
import { loadTokenizer, openWeightStore, readLoraAdapterHost, readModelConfig } from './load-model';
import { readJsonFile } from './read-json';
import { parseLoraConfig, type LoraConfig } from '../engine/adapters/peft-lora-host';
import type { ModelConfig } from '../engine/config/model-config';
import { chooseTrainEngine } from './train-engine-choice';
import { FrozenWeights } from '../engine/ggml-train/frozen-weights';
import { defaultFrozenType, FROZEN_TYPES, frozenWeightsBytes, WEIGHT_SHARE, type FrozenType } from '../engine/planner/ggml-memory';
import { hostLoraOf, PROJ_OF } from '../engine/ggml-train/from-host-model';
import { GgmlTrainEngine } from '../engine/ggml-train/ggml-train-engine';
import type { HostLoraModule } from '../engine/ggml-train/lora-trainer';
import type { Projection } from '../engine/adapters/lora-set';
import { initLoraHost } from '../engine/train/lora-init';
import { loraScale, resolveTargets, SHORT } from '../engine/train/lora-targets';
import { initPrefixHost } from '../engine/train/prefix-tuning';
import type { ComputeBackend } from '../engine/ggml/backend';
import type { Rng } from '../engine/train/rng';
import type { TrainConfig } from '../engine/train/train-config';
import type { OpenedEngine } from '../engine/train/train-io';

export { chooseTrainEngine, type EngineChoice } from './train-engine-choice';

/**
 * Why the frozen weights in `type` cannot fit `freeBytes`, with the types that would, or undefined.
 * A fitting type leaves 20% of the free memory for the adapter, its optimiser state and the compute.
 */
export function frozenFitProblem(cfg: ModelConfig, type: FrozenType, freeBytes: number, device: string): string | undefined {
  const need = frozenWeightsBytes(cfg, type);
  if (need <= freeBytes) return undefined;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const fits = FROZEN_TYPES.filter((t) => frozenWeightsBytes(cfg, t) <= WEIGHT_SHARE * freeBytes).map(
    (t) => `--weights ${t === 'q4_0' ? 'q4' : t} (${gib(frozenWeightsBytes(cfg, t))})`,
  );
  return `the model's frozen weights need ${gib(need)} in ${type} on ${device}, which has ${gib(freeBytes)} free; ${fits.length ? `use ${fits.join(' or ')}` : 'no --weights type fits: choose a smaller model, or a GPU with more memory'}`;
}

export interface EngineOptions {
  backend: string;
  weights?: FrozenType;
  onBackend?(b: { backend: string; reason: string }): void;
}

/** The --init-adapter folder's adapter_config.json (r, alpha, rsLoRA carry over to the run). */
function initAdapterConfigOf(dir: string): LoraConfig {
  const cfgPath = join(resolve(dir), 'adapter_config.json');
  return parseLoraConfig(readJsonFile(cfgPath, 'adapter_config.json'), cfgPath);
}

async function loadFrozen(cfg: TrainConfig, config: ModelConfig, backend: ComputeBackend, type: FrozenType): Promise<FrozenWeights> {
  const { store, close } = await openWeightStore(cfg.model);
  try {
    return await FrozenWeights.load(store, config, backend, type, join(resolve(cfg.model), 'config.json'));
  } finally {
    close();
  }
}

export async function openTrainEngine(cfg: TrainConfig, initRng: Rng, opts: EngineOptions): Promise<OpenedEngine> {
  const choice = chooseTrainEngine(cfg.method, opts.backend);
  const config = readModelConfig(cfg.model);
  const tokenizer = loadTokenizer(cfg.model);
  const { backend, reason } = openBackend(choice.backend);
  try {
    const type = opts.weights ?? defaultFrozenType(config, backend.device.memoryFree);
    const problem = frozenFitProblem(config, type, backend.device.memoryFree, backend.device.name);
    if (problem) throw new UserError(problem, { kind: 'oom', hint: 'see the Resources step or `tuneloom train --help`' });
    opts.onBackend?.({ backend: backend.name, reason: `${choice.notice ? `${choice.notice}; ` : ''}${reason}; frozen weights ${type}` });
    if (cfg.method === 'ptuning') {
      const prefixSpec = { numVirtualTokens: cfg.prefixLen, projection: cfg.prefixProjection, encoderHidden: cfg.prefixHidden ?? config.hiddenSize };
      const frozen = await loadFrozen(cfg, config, backend, type);
      const prefix = { ...prefixSpec, params: initPrefixHost(config, prefixSpec, initRng) };
      return { engine: new GgmlTrainEngine(backend, frozen, [], { prefix, weightDecay: cfg.weightDecay }), config, tokenizer };
    }
    let modules: HostLoraModule[];
    let spec = {
      r: cfg.loraR,
      alpha: cfg.loraAlpha,
      dropout: cfg.loraDropout,
      useRslora: cfg.useRslora,
      targetModules: [] as string[],
      weightDecay: cfg.weightDecay,
    };
    if (cfg.initAdapter) {
      modules = hostLoraOf(await readLoraAdapterHost(cfg.initAdapter, config));
      const init = initAdapterConfigOf(cfg.initAdapter);
      spec = {
        ...spec,
        r: init.r,
        alpha: init.alpha,
        useRslora: init.useRslora,
        targetModules: [...new Set(modules.map((m) => SHORT(m.key.split('.').slice(2).join('.') as Projection)))],
      };
    } else {
      const projections = resolveTargets(cfg.loraTargets);
      const scale = loraScale({ r: cfg.loraR, alpha: cfg.loraAlpha, useRslora: cfg.useRslora });
      modules = initLoraHost(config, cfg.loraR, projections, initRng).map((m) => ({
        key: m.key,
        layer: m.layer,
        proj: PROJ_OF[m.projection],
        r: cfg.loraR,
        inDim: m.inDim,
        outDim: m.outDim,
        scale,
        a: m.a,
        b: m.b,
      }));
      spec.targetModules = projections.map(SHORT);
    }
    const frozen = await loadFrozen(cfg, config, backend, type);
    return { engine: new GgmlTrainEngine(backend, frozen, modules, spec), config, tokenizer };
  } catch (e) {
    backend.dispose();
    throw e;
  }
}

export function parseFrozenType(v: string | undefined): FrozenType | undefined {
  if (v === undefined) return undefined;
  const t = v === 'q4' ? 'q4_0' : v;
  if (!(FROZEN_TYPES as readonly string[]).includes(t))
    throw new UserError(`unknown --weights ${v}`, { where: '--weights', hint: 'use f32, bf16, f16, q8_0 or q4' });
  return t as FrozenType;
}
