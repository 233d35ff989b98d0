/**
 * The files of a PEFT adapter folder, as `PeftModel.save_pretrained` writes them, so peft loads what
 * we train: `adapter_config.json` and `adapter_model.safetensors` (F32).
 * - LoRA: keys `base_model.model.model.layers.N.<module>.lora_{A,B}.weight`, peft_type LORA.
 * - Prefix tuning: one tensor `prompt_embeddings` [P, L*2*kvDim], peft_type PREFIX_TUNING with
 *   token_dim = kvDim and num_attention_heads = nKv as peft derives them for GQA models.
 * Field names follow peft's LoraConfig / PrefixTuningConfig dataclasses.
 */
import type { ModelConfig } from '../config/model-config';
import { serializeSafetensors, type TensorToWrite } from '../io/safetensors';
import type { LoraTrainSpec } from './lora-targets';
import { kvDim, type PrefixSpec } from './prefix-tuning';

export type AdapterFiles = Record<string, string | Uint8Array>;

export const PEFT_VERSION_WRITTEN = '0.17.0';

/** A LoRA adapter's PEFT files from host tensors: adapter_config.json + adapter_model.safetensors. */
export function loraAdapterFilesOf(
  tensors: TensorToWrite[],
  spec: Omit<LoraTrainSpec, 'targets'> & { targetModules: string[] },
  baseModel: string,
): AdapterFiles {
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: spec.alpha,
    lora_bias: false,
    lora_dropout: spec.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    peft_version: PEFT_VERSION_WRITTEN,
    r: spec.r,
    rank_pattern: {},
    revision: null,
    target_modules: spec.targetModules,
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: spec.useRslora,
  };
  return {
    'adapter_config.json': JSON.stringify(config, null, 2) + '\n',
    'adapter_model.safetensors': serializeSafetensors(tensors, { format: 'pt' }),
  };
}

/** A prefix adapter's PEFT files from the flat prefix [P, L*2*kvDim] on the host. */
export function prefixAdapterFilesOf(flat: { shape: number[]; data: Float32Array }, spec: PrefixSpec, cfg: ModelConfig, baseModel: string): AdapterFiles {
  const prefix = { spec };
  const { shape, data } = flat;
  const config = {
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    encoder_hidden_size: prefix.spec.encoderHidden,
    inference_mode: true,
    modules_to_save: null,
    num_attention_heads: cfg.numKvHeads,
    num_layers: cfg.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: prefix.spec.numVirtualTokens,
    peft_type: 'PREFIX_TUNING',
    peft_version: PEFT_VERSION_WRITTEN,
    prefix_projection: prefix.spec.projection,
    revision: null,
    task_type: 'CAUSAL_LM',
    token_dim: kvDim(cfg),
  };
  return {
    'adapter_config.json': JSON.stringify(config, null, 2) + '\n',
    'adapter_model.safetensors': serializeSafetensors([{ name: 'prompt_embeddings', shape, data }], { format: 'pt' }),
  };
}
