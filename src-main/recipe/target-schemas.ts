/**
 * The config fields of LLaMA-Factory and axolotl that our recipes write, transcribed (names, types,
 * enums) from their sources at the commits below, so a test can check every exported YAML against
 * them. Only the fields we use are listed; a field we write that is not here fails the test.
 *
 * LLaMA-Factory 0.9.6.dev0, hiyouga/LLaMA-Factory@ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30:
 *   src/llamafactory/hparams/{model_args,data_args,finetuning_args,training_args}.py, HF
 *   Seq2SeqTrainingArguments for the trainer fields, data/README.md + data/dataset_info.json for the
 *   dataset description, src/llamafactory/data/template.py for template names.
 * axolotl 0.18.0, axolotl-ai-cloud/axolotl@067b021c8b87a9e5e380b9173c704cf7340e30f5:
 *   src/axolotl/utils/schemas/{config,model,training,peft,datasets,fsdp,enums}.py.
 */

export type FieldType = 'str' | 'int' | 'float' | 'bool' | 'str-list' | 'map' | 'map-list';

export interface FieldSpec {
  type: FieldType | FieldType[];
  /** Allowed values (Literal[...] / Enum in the source). */
  enum?: readonly (string | number | boolean)[];
}

export const LLAMAFACTORY_PIN = { version: '0.9.6.dev0', commit: 'ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30' } as const;
export const AXOLOTL_PIN = { version: '0.18.0', commit: '067b021c8b87a9e5e380b9173c704cf7340e30f5' } as const;

/** transformers' SchedulerType values (both trainers pass the name through to it). */
export const HF_SCHEDULERS = [
  'linear',
  'cosine',
  'cosine_with_restarts',
  'polynomial',
  'constant',
  'constant_with_warmup',
  'inverse_sqrt',
  'reduce_lr_on_plateau',
  'cosine_with_min_lr',
  'cosine_warmup_with_min_lr',
  'warmup_stable_decay',
] as const;
/** transformers' IntervalStrategy. */
export const HF_INTERVALS = ['no', 'steps', 'epoch'] as const;

/** Template names registered in LLaMA-Factory's data/template.py that our model families map to. */
export const LLAMAFACTORY_TEMPLATES = ['qwen', 'qwen3', 'qwen3_nothink', 'llama3', 'llama2', 'chatml', 'default', 'empty'] as const;

export const LLAMAFACTORY_FIELDS: Record<string, FieldSpec> = {
  // model_args.py
  model_name_or_path: { type: 'str' },
  trust_remote_code: { type: 'bool' },
  disable_gradient_checkpointing: { type: 'bool' },
  // finetuning_args.py
  stage: { type: 'str', enum: ['pt', 'sft', 'rm', 'ppo', 'dpo', 'kto'] },
  finetuning_type: { type: 'str', enum: ['lora', 'oft', 'freeze', 'full'] },
  lora_rank: { type: 'int' },
  lora_alpha: { type: 'int' },
  lora_dropout: { type: 'float' },
  lora_target: { type: 'str' },
  use_rslora: { type: 'bool' },
  plot_loss: { type: 'bool' },
  // data_args.py
  template: { type: 'str', enum: LLAMAFACTORY_TEMPLATES },
  dataset: { type: 'str' },
  eval_dataset: { type: 'str' },
  dataset_dir: { type: 'str' },
  cutoff_len: { type: 'int' },
  train_on_prompt: { type: 'bool' },
  packing: { type: 'bool' },
  neat_packing: { type: 'bool' },
  val_size: { type: 'float' },
  preprocessing_num_workers: { type: 'int' },
  // training_args.py + transformers Seq2SeqTrainingArguments
  do_train: { type: 'bool' },
  do_eval: { type: 'bool' },
  output_dir: { type: 'str' },
  overwrite_output_dir: { type: 'bool' },
  logging_steps: { type: ['int', 'float'] },
  save_steps: { type: ['int', 'float'] },
  save_strategy: { type: 'str', enum: [...HF_INTERVALS, 'best'] },
  eval_strategy: { type: 'str', enum: HF_INTERVALS },
  eval_steps: { type: ['int', 'float'] },
  per_device_train_batch_size: { type: 'int' },
  per_device_eval_batch_size: { type: 'int' },
  gradient_accumulation_steps: { type: 'int' },
  learning_rate: { type: 'float' },
  lr_scheduler_type: { type: 'str', enum: HF_SCHEDULERS },
  warmup_steps: { type: ['int', 'float'] },
  warmup_ratio: { type: 'float' },
  num_train_epochs: { type: ['float', 'int'] },
  max_steps: { type: 'int' },
  weight_decay: { type: 'float' },
  max_grad_norm: { type: 'float' },
  optim: { type: 'str', enum: ['adamw_torch', 'adamw_torch_fused', 'adamw_hf', 'sgd', 'adafactor'] },
  seed: { type: 'int' },
  data_seed: { type: 'int' },
  bf16: { type: 'bool' },
  fp16: { type: 'bool' },
  report_to: { type: ['str', 'str-list'] },
  deepspeed: { type: 'str' },
  ddp_timeout: { type: 'int' },
};

/** One dataset description in dataset_info.json (data/README.md). */
export const LLAMAFACTORY_DATASET_INFO: Record<string, FieldSpec> = {
  file_name: { type: 'str' },
  formatting: { type: 'str', enum: ['alpaca', 'sharegpt', 'openai'] },
  columns: { type: 'map' },
  tags: { type: 'map' },
};
export const LLAMAFACTORY_COLUMNS = [
  'prompt',
  'query',
  'response',
  'history',
  'messages',
  'system',
  'tools',
  'images',
  'videos',
  'audios',
  'chosen',
  'rejected',
  'kto_tag',
] as const;
export const LLAMAFACTORY_TAGS = ['role_tag', 'content_tag', 'user_tag', 'assistant_tag', 'observation_tag', 'function_tag', 'system_tag'] as const;

/** axolotl ChatTemplate enum values we may write (enums.py). */
export const AXOLOTL_CHAT_TEMPLATES = ['tokenizer_default', 'chatml', 'qwen_25', 'qwen3', 'llama3', 'alpaca', 'jinja'] as const;

export const AXOLOTL_FIELDS: Record<string, FieldSpec> = {
  // model.py
  base_model: { type: 'str' },
  output_dir: { type: 'str' },
  save_safetensors: { type: 'bool' },
  // peft.py
  // `adapter: str` in peft.py; the enum is the values its validators and examples use.
  adapter: { type: 'str', enum: ['lora', 'qlora', 'llama-adapter'] },
  lora_r: { type: 'int' },
  lora_alpha: { type: 'int' },
  lora_dropout: { type: 'float' },
  lora_target_modules: { type: ['str', 'str-list'] },
  lora_target_linear: { type: 'bool' },
  peft_use_rslora: { type: 'bool' },
  // training.py
  gradient_accumulation_steps: { type: 'int' },
  micro_batch_size: { type: 'int' },
  train_on_inputs: { type: 'bool' },
  learning_rate: { type: ['float', 'str'] },
  weight_decay: { type: 'float' },
  // `str | CustomSupportedOptimizers` (default adamw_torch_fused): a transformers OptimizerNames value here.
  optimizer: { type: 'str', enum: ['adamw_torch', 'adamw_torch_fused', 'adamw_bnb_8bit', 'adamw_8bit'] },
  // `str` (default cosine): transformers' SchedulerType, or axolotl's own one_cycle / rex / log_sweep.
  lr_scheduler: { type: 'str', enum: [...HF_SCHEDULERS, 'one_cycle', 'rex', 'log_sweep'] },
  max_grad_norm: { type: 'float' },
  num_epochs: { type: ['float', 'int'] },
  // config.py
  datasets: { type: 'map-list' },
  test_datasets: { type: 'map-list' },
  dataset_prepared_path: { type: 'str' },
  chat_template: { type: 'str', enum: AXOLOTL_CHAT_TEMPLATES },
  seed: { type: 'int' },
  sequence_len: { type: 'int' },
  sample_packing: { type: 'bool' },
  eval_sample_packing: { type: 'bool' },
  pad_to_sequence_len: { type: 'bool' },
  val_set_size: { type: 'float' },
  max_steps: { type: 'int' },
  warmup_steps: { type: 'int' },
  warmup_ratio: { type: 'float' },
  eval_steps: { type: ['int', 'float'] },
  eval_strategy: { type: 'str', enum: HF_INTERVALS },
  save_steps: { type: ['int', 'float'] },
  save_strategy: { type: 'str', enum: [...HF_INTERVALS, 'best'] },
  logging_steps: { type: 'int' },
  gradient_checkpointing: { type: 'bool', enum: [true, false] },
  bf16: { type: ['bool', 'str'], enum: ['auto', true, false] },
  fp16: { type: 'bool' },
  tf32: { type: ['bool', 'str'], enum: ['auto', true, false] },
  flash_attention: { type: 'bool' },
  deepspeed: { type: 'str' },
  fsdp_version: { type: 'int' },
  fsdp_config: { type: 'map' },
  strict: { type: 'bool' },
};

/** SFTDataset in datasets.py (the fields of one `datasets:` entry we write). */
export const AXOLOTL_DATASET_FIELDS: Record<string, FieldSpec> = {
  path: { type: 'str' },
  ds_type: { type: 'str', enum: ['json', 'csv', 'parquet', 'arrow', 'text'] },
  data_files: { type: ['str', 'str-list'] },
  split: { type: 'str' },
  type: { type: 'str', enum: ['chat_template', 'alpaca', 'completion'] },
  field_messages: { type: 'str' },
  message_property_mappings: { type: 'map' },
  roles_to_train: { type: 'str-list' },
  train_on_eos: { type: 'str', enum: ['all', 'turn', 'last', 'none'] },
  field: { type: 'str' },
};

/** FSDPConfig in fsdp.py. */
export const AXOLOTL_FSDP_FIELDS: Record<string, FieldSpec> = {
  offload_params: { type: 'bool' },
  auto_wrap_policy: { type: 'str', enum: ['TRANSFORMER_BASED_WRAP', 'SIZE_BASED_WRAP'] },
  transformer_layer_cls_to_wrap: { type: 'str' },
  state_dict_type: { type: 'str', enum: ['FULL_STATE_DICT', 'LOCAL_STATE_DICT', 'SHARDED_STATE_DICT'] },
  reshard_after_forward: { type: 'bool' },
  activation_checkpointing: { type: 'bool' },
};

export type SchemaTarget = 'llamafactory' | 'axolotl';

function typeOk(t: FieldType, v: unknown): boolean {
  switch (t) {
    case 'str':
      return typeof v === 'string';
    case 'int':
      return Number.isInteger(v);
    case 'float':
      return typeof v === 'number' && Number.isFinite(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'str-list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'map':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'map-list':
      return Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x));
  }
}

/** Every problem of `doc` against `fields`: unknown names, wrong types, values outside an enum. */
export function checkFields(doc: Record<string, unknown>, fields: Record<string, FieldSpec>, where = ''): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    const spec = fields[k];
    if (!spec) {
      problems.push(`${where}${k}: not a field of the target's config`);
      continue;
    }
    const types = Array.isArray(spec.type) ? spec.type : [spec.type];
    if (!types.some((t) => typeOk(t, v))) problems.push(`${where}${k}: ${JSON.stringify(v)} is not ${types.join(' | ')}`);
    else if (spec.enum && !spec.enum.includes(v as string | number | boolean))
      problems.push(`${where}${k}: ${JSON.stringify(v)} is not one of ${spec.enum.join(', ')}`);
  }
  return problems;
}

/** A recipe YAML (as parsed) checked against the transcribed schema, nested dataset entries included. */
export function checkRecipe(target: SchemaTarget, doc: Record<string, unknown>): string[] {
  if (target === 'llamafactory') return checkFields(doc, LLAMAFACTORY_FIELDS);
  const problems = checkFields(doc, AXOLOTL_FIELDS);
  for (const key of ['datasets', 'test_datasets'] as const) {
    const list = doc[key];
    if (Array.isArray(list)) list.forEach((d, i) => problems.push(...checkFields(d as Record<string, unknown>, AXOLOTL_DATASET_FIELDS, `${key}[${i}].`)));
  }
  if (doc.fsdp_config && typeof doc.fsdp_config === 'object')
    problems.push(...checkFields(doc.fsdp_config as Record<string, unknown>, AXOLOTL_FSDP_FIELDS, 'fsdp_config.'));
  return problems;
}

/** One dataset_info.json entry checked against data/README.md. */
export function checkDatasetInfo(entry: Record<string, unknown>): string[] {
  const problems = checkFields(entry, LLAMAFACTORY_DATASET_INFO);
  const cols = entry.columns as Record<string, unknown> | undefined;
  for (const k of Object.keys(cols ?? {}))
    if (!(LLAMAFACTORY_COLUMNS as readonly string[]).includes(k)) problems.push(`columns.${k}: not a column of dataset_info.json`);
  const tags = entry.tags as Record<string, unknown> | undefined;
  for (const k of Object.keys(tags ?? {}))
    if (!(LLAMAFACTORY_TAGS as readonly string[]).includes(k)) problems.push(`tags.${k}: not a tag of dataset_info.json`);
  if (tags && entry.formatting !== 'sharegpt') problems.push('tags: only used with formatting sharegpt');
  return problems;
}
