/**
 * PEFT LoRA adapters on the host (no tensor library): `adapter_config.json` parsing, peft's scaling
 * (alpha / r, or alpha / sqrt(r) with `use_rslora`, per-module `rank_pattern` / `alpha_pattern`), and
 * the A/B matrices read and checked against the base model's projection shapes, as Float32Arrays.
 * peft-lora.ts turns them into tfjs tensors; the ggml engine uploads them to its backend.
 */
import { UserError } from '../errors';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import { projectionShapes } from '../models/family';

/** One module's A [r, in] and B [out, r] (peft layout, row-major) and its scaling. */
export interface HostLoraPair {
  a: Float32Array;
  aShape: [number, number];
  b: Float32Array;
  bShape: [number, number];
  scaling: number;
}

export interface HostLoraSet {
  /** Keyed like LoraSet: `layers.N.self_attn.q_proj`. */
  modules: Record<string, HostLoraPair>;
  dropout: number;
}

export interface LoraConfig {
  r: number;
  alpha: number;
  dropout: number;
  useRslora: boolean;
  targetModules: string[] | string;
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
}

export function parseLoraConfig(raw: unknown, where: string): LoraConfig {
  const c = (raw ?? {}) as Record<string, unknown>;
  if (c.peft_type !== undefined && c.peft_type !== 'LORA') {
    throw new UserError(`peft_type "${String(c.peft_type)}" is not a LoRA adapter`, {
      where: `${where} (peft_type)`,
      hint: 'only LoRA adapters can be applied here',
    });
  }
  for (const [key, what] of [
    ['use_dora', 'DoRA'],
    ['fan_in_fan_out', 'fan_in_fan_out weights'],
  ] as const) {
    if (c[key] === true) throw new UserError(`${what} adapters are not supported`, { where: `${where} (${key})` });
  }
  const r = c.r;
  if (typeof r !== 'number' || !(r > 0)) throw new UserError('adapter_config.json needs a positive "r"', { where: `${where} (r)` });
  return {
    r,
    alpha: typeof c.lora_alpha === 'number' ? c.lora_alpha : 8,
    dropout: typeof c.lora_dropout === 'number' ? c.lora_dropout : 0,
    useRslora: c.use_rslora === true,
    targetModules: (c.target_modules as string[] | string | undefined) ?? [],
    rankPattern: (c.rank_pattern as Record<string, number> | undefined) ?? {},
    alphaPattern: (c.alpha_pattern as Record<string, number> | undefined) ?? {},
  };
}

/** peft matches pattern keys against the end of the module name. */
function patternValue(pattern: Record<string, number>, moduleName: string): number | undefined {
  for (const [key, value] of Object.entries(pattern)) {
    if (moduleName === key || moduleName.endsWith(`.${key}`)) return value;
  }
  return undefined;
}

export function loraScaling(cfg: LoraConfig, moduleName: string, rank: number): number {
  const alpha = patternValue(cfg.alphaPattern, moduleName) ?? cfg.alpha;
  return cfg.useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
}

const KEY = /^base_model\.model\.model\.(layers\.(\d+)\.(self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj))\.lora_([AB])(?:\.default)?\.weight$/;

export async function readPeftLoraHost(store: WeightStore, cfg: LoraConfig, model: ModelConfig, where: string): Promise<HostLoraSet> {
  const shapes = projectionShapes(model);
  const found = new Map<string, { a?: string; b?: string }>();
  for (const name of store.names()) {
    const m = KEY.exec(name);
    if (!m) {
      if (/lora_|modules_to_save|prompt_embeddings/.test(name)) {
        throw new UserError(`adapter tensor ${name} is not a LoRA weight of a Qwen2/Qwen3/Llama decoder projection`, {
          where,
          hint: 'this adapter targets modules Tuneloom does not apply',
        });
      }
      continue;
    }
    const [, moduleKey, layer, , which] = m;
    if (Number(layer) >= model.numLayers) {
      throw new UserError(`adapter for another model: ${name} is for layer ${layer} but the base model has ${model.numLayers} layers`, {
        where,
        hint: 'use the base model the adapter was trained on',
      });
    }
    const entry = found.get(moduleKey) ?? {};
    if (which === 'A') entry.a = name;
    else entry.b = name;
    found.set(moduleKey, entry);
  }
  if (found.size === 0)
    throw new UserError('the adapter has no LoRA weights with peft key names', {
      where,
      hint: 'expected keys like base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
    });
  const modules: Record<string, HostLoraPair> = {};
  for (const [moduleKey, { a, b }] of found) {
    if (!a || !b) throw new UserError(`adapter has lora_${a ? 'A' : 'B'} but not lora_${a ? 'B' : 'A'} for ${moduleKey}`, { where });
    const [out, inp] = shapes[moduleKey.replace(/^layers\.\d+\./, '')];
    const aShape = store.info(a)!.shape;
    const bShape = store.info(b)!.shape;
    const rank = aShape[0];
    if (aShape.length !== 2 || bShape.length !== 2 || aShape[1] !== inp || bShape[0] !== out || bShape[1] !== rank) {
      throw new UserError(
        `adapter for another model: ${moduleKey} has lora_A [${aShape}] and lora_B [${bShape}], but the base model's layer is [out ${out}, in ${inp}]`,
        { where, hint: 'use the base model the adapter was trained on' },
      );
    }
    const expectedRank = patternValue(cfg.rankPattern, moduleKey) ?? cfg.r;
    if (rank !== expectedRank) throw new UserError(`${moduleKey} has rank ${rank} but adapter_config.json says r=${expectedRank}`, { where });
    modules[moduleKey] = {
      a: await store.read(a),
      aShape: [aShape[0], aShape[1]],
      b: await store.read(b),
      bShape: [bShape[0], bShape[1]],
      scaling: loraScaling(cfg, moduleKey, rank),
    };
  }
  return { modules, dropout: cfg.dropout };
}
