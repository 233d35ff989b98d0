/**
 * THE table: how every field of our TrainConfig becomes LLaMA-Factory's and axolotl's config, and how
 * an imported recipe's YAML reads back into our fields. One row per field of ours; a cell is either a
 * mapping (what it writes, and how to read it back) or `none` with the one line the export prints.
 * A `none` that changes what is trained refuses the export (never a silently different recipe); one
 * that only concerns this app's monitoring (sample prompts) is listed in the README and written nowhere.
 * Names and spellings: ./target-schemas.ts (pinned commits there).
 */
import type { TrainConfig } from '../engine/train/train-config';
import type { YamlMap, YamlValue } from './yaml';

export type RecipeTarget = 'llamafactory' | 'axolotl';
export const DISTRIBUTED = ['zero2', 'zero3', 'fsdp', 'none'] as const;
export type Distributed = (typeof DISTRIBUTED)[number];
export const RECIPE_TARGETS: readonly RecipeTarget[] = ['llamafactory', 'axolotl'];

/** What a row needs besides the config: facts about the run and the export. */
export interface RecipeContext {
  config: TrainConfig;
  /** The base model as the target should load it: a hub repo id when we know it, else the local folder. */
  model: string;
  /** LLaMA-Factory's template name for the model's family. */
  lfTemplate: string;
  kind: 'chat' | 'text';
  hasVal: boolean;
  gpus: number;
  /** Optimiser steps of our run (for "evaluate once at the end"). */
  totalSteps: number | null;
  outputDir: string;
  /** How our global batch is split over the GPUs: rows per device and micro-batches per step. */
  perDevice: { batch: number; accum: number };
  /** transformers' decoder layer class (FSDP wraps one per layer). */
  layerClass: string;
  distributed: Distributed;
  /** The files the export wrote, relative to the YAML. */
  files: { lfDatasetDir: string; train: string; val: string | null; deepspeed: string | null };
}

export interface Refusal {
  refuse: string;
}
/** Keys whose value is undefined are left out (TypeScript widens a ternary of two literals to that). */
export type Emitted = { [key: string]: YamlValue | undefined } | Refusal;

/** How one of our fields appears in a target's YAML. */
export interface Mapped {
  keys: readonly string[];
  emit(c: RecipeContext): Emitted;
  /** Our value(s) back from a YAML the target ran (undefined keys: not in that YAML). */
  read?(doc: YamlMap, c: ReadContext): Partial<TrainConfig>;
}
export interface Unmapped {
  none: string;
  /** `training`: the export is refused when the run uses it (see `applies`); `monitoring`: README note only. */
  affects: 'training' | 'monitoring';
  /** Whether the run uses the field at all (default: always). */
  applies?(c: TrainConfig): boolean;
}
export type Cell = Mapped | Unmapped;

export interface FieldRow {
  /** Our TrainConfig field, or `--gpus` (an export option, not a training setting). */
  ours: keyof TrainConfig | '--gpus';
  llamafactory: Cell;
  axolotl: Cell;
}

export interface ReadContext {
  gpus: number;
  /** Which of our two numbers the export divided by the GPU count. */
  split: 'accum' | 'batch';
  totalSteps: number | null;
}

export const isRefusal = (e: Emitted): e is Refusal => typeof (e as Refusal).refuse === 'string';
const num = (v: YamlValue | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
const bool = (v: YamlValue | undefined): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
/** Drops undefined values so a partial read never overwrites with undefined. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
const same = (key: string, pick: (c: TrainConfig) => YamlValue, back?: (v: YamlValue | undefined) => unknown, ours?: keyof TrainConfig): Mapped => ({
  keys: [key],
  emit: (c) => ({ [key]: pick(c.config) }),
  read: back && ours ? (doc) => defined({ [ours]: back(doc[key]) } as Partial<TrainConfig>) : undefined,
});
const intAlpha = (c: RecipeContext, key: string): Emitted =>
  Number.isInteger(c.config.loraAlpha)
    ? { [key]: c.config.loraAlpha }
    : { refuse: `LoRA alpha ${c.config.loraAlpha} is not a whole number, and ${key} takes an int` };

/** Our schedules with warm-up, in transformers' names: constant with a warm-up is constant_with_warmup. */
function hfScheduler(c: TrainConfig): string {
  const warm = (c.warmupSteps ?? 0) > 0 || (c.warmupRatio ?? 0) > 0;
  return c.scheduler === 'constant' && warm ? 'constant_with_warmup' : c.scheduler;
}
function ourScheduler(v: YamlValue | undefined): TrainConfig['scheduler'] | undefined {
  return v === 'constant_with_warmup' ? 'constant' : v === 'linear' || v === 'cosine' || v === 'constant' ? v : undefined;
}
const warmup = (c: TrainConfig): YamlMap =>
  c.warmupSteps !== undefined ? { warmup_steps: c.warmupSteps } : c.warmupRatio !== undefined ? { warmup_ratio: c.warmupRatio } : {};
const readWarmup = (doc: YamlMap): Partial<TrainConfig> => defined({ warmupSteps: num(doc.warmup_steps), warmupRatio: num(doc.warmup_ratio) });
const lengthOf = (c: TrainConfig, epochsKey: string): YamlMap => (c.maxSteps !== undefined ? { max_steps: c.maxSteps } : { [epochsKey]: c.epochs });
const readLength = (doc: YamlMap, epochsKey: string): Partial<TrainConfig> => defined({ maxSteps: num(doc.max_steps), epochs: num(doc[epochsKey]) });
/** Our global batch (rows per optimiser step) from per-device values and the GPU count. */
const readBatch = (doc: YamlMap, batchKey: string, c: ReadContext): Partial<TrainConfig> => {
  const b = num(doc[batchKey]);
  const a = num(doc.gradient_accumulation_steps);
  if (b === undefined || a === undefined) return defined({ batchSize: b, gradAccum: a });
  if (c.gpus <= 1) return { batchSize: b, gradAccum: a };
  return c.split === 'accum' ? { batchSize: b, gradAccum: a * c.gpus } : { batchSize: b * c.gpus, gradAccum: a };
};
const prefixOnly = (what: string): Unmapped => ({
  none: `${what}: P-Tuning v2 has no equivalent (see method)`,
  affects: 'training',
  applies: (c) => c.method === 'ptuning',
});

export const RECIPE_FIELDS: readonly FieldRow[] = [
  {
    ours: 'model',
    llamafactory: {
      keys: ['model_name_or_path', 'trust_remote_code'],
      emit: (c) => ({ model_name_or_path: c.model, trust_remote_code: false }),
      read: (d) => defined({ model: typeof d.model_name_or_path === 'string' ? d.model_name_or_path : undefined }),
    },
    axolotl: {
      keys: ['base_model'],
      emit: (c) => ({ base_model: c.model }),
      read: (d) => defined({ model: typeof d.base_model === 'string' ? d.base_model : undefined }),
    },
  },
  {
    ours: 'method',
    llamafactory: {
      keys: ['stage', 'do_train', 'finetuning_type'],
      emit: (c) =>
        c.config.method === 'ptuning'
          ? { refuse: 'P-Tuning v2 (prefix tuning) has no equivalent in LLaMA-Factory (finetuning_type is lora, oft, freeze or full)' }
          : { stage: c.kind === 'text' ? 'pt' : 'sft', do_train: true, finetuning_type: 'lora' },
      read: (d) => defined({ method: d.finetuning_type === 'lora' ? ('lora' as const) : undefined }),
    },
    axolotl: {
      keys: ['adapter'],
      emit: (c) =>
        c.config.method === 'ptuning' ? { refuse: 'P-Tuning v2 (prefix tuning) has no equivalent in axolotl (adapter is lora or qlora)' } : { adapter: 'lora' },
      read: (d) => defined({ method: d.adapter === 'lora' ? ('lora' as const) : undefined }),
    },
  },
  {
    ours: 'initAdapter',
    llamafactory: {
      none: 'continued fine-tuning from --init-adapter is not exported (the adapter would have to travel with the recipe)',
      affects: 'training',
      applies: (c) => !!c.initAdapter,
    },
    axolotl: {
      none: 'continued fine-tuning from --init-adapter is not exported (the adapter would have to travel with the recipe)',
      affects: 'training',
      applies: (c) => !!c.initAdapter,
    },
  },
  { ours: 'loraR', llamafactory: same('lora_rank', (c) => c.loraR, num, 'loraR'), axolotl: same('lora_r', (c) => c.loraR, num, 'loraR') },
  {
    ours: 'loraAlpha',
    llamafactory: { keys: ['lora_alpha'], emit: (c) => intAlpha(c, 'lora_alpha'), read: (d) => defined({ loraAlpha: num(d.lora_alpha) }) },
    axolotl: { keys: ['lora_alpha'], emit: (c) => intAlpha(c, 'lora_alpha'), read: (d) => defined({ loraAlpha: num(d.lora_alpha) }) },
  },
  {
    ours: 'loraDropout',
    llamafactory: same('lora_dropout', (c) => c.loraDropout, num, 'loraDropout'),
    axolotl: same('lora_dropout', (c) => c.loraDropout, num, 'loraDropout'),
  },
  {
    ours: 'loraTargets',
    llamafactory: {
      keys: ['lora_target'],
      emit: (c) => ({ lora_target: c.config.loraTargets === 'all-linear' ? 'all' : c.config.loraTargets.join(',') }),
      read: (d) =>
        typeof d.lora_target === 'string' ? { loraTargets: d.lora_target === 'all' ? 'all-linear' : d.lora_target.split(',').map((s) => s.trim()) } : {},
    },
    axolotl: {
      keys: ['lora_target_modules', 'lora_target_linear'],
      emit: (c) => (c.config.loraTargets === 'all-linear' ? { lora_target_linear: true } : { lora_target_modules: [...c.config.loraTargets] }),
      read: (d) =>
        d.lora_target_linear === true
          ? { loraTargets: 'all-linear' }
          : Array.isArray(d.lora_target_modules)
            ? { loraTargets: d.lora_target_modules.map(String) }
            : {},
    },
  },
  {
    ours: 'useRslora',
    llamafactory: same('use_rslora', (c) => c.useRslora, bool, 'useRslora'),
    axolotl: same('peft_use_rslora', (c) => c.useRslora, bool, 'useRslora'),
  },
  { ours: 'prefixLen', llamafactory: prefixOnly('prefix length'), axolotl: prefixOnly('prefix length') },
  { ours: 'prefixProjection', llamafactory: prefixOnly('prefix projection'), axolotl: prefixOnly('prefix projection') },
  { ours: 'prefixHidden', llamafactory: prefixOnly('prefix hidden size'), axolotl: prefixOnly('prefix hidden size') },
  { ours: 'lr', llamafactory: same('learning_rate', (c) => c.lr, num, 'lr'), axolotl: same('learning_rate', (c) => c.lr, num, 'lr') },
  {
    ours: 'scheduler',
    llamafactory: {
      keys: ['lr_scheduler_type'],
      emit: (c) => ({ lr_scheduler_type: hfScheduler(c.config) }),
      read: (d) => defined({ scheduler: ourScheduler(d.lr_scheduler_type) }),
    },
    axolotl: {
      keys: ['lr_scheduler'],
      emit: (c) => ({ lr_scheduler: hfScheduler(c.config) }),
      read: (d) => defined({ scheduler: ourScheduler(d.lr_scheduler) }),
    },
  },
  // transformers has the floor for cosine only (cosine_with_min_lr), not for linear; the export says so rather than half-map it.
  {
    ours: 'lrMinRatio',
    llamafactory: {
      none: 'the decay floor --lr-min-ratio is not exported (the target decays to 0)',
      affects: 'training',
      applies: (c) => c.lrMinRatio > 0 && c.scheduler !== 'constant',
    },
    axolotl: {
      none: 'the decay floor --lr-min-ratio is not exported (the target decays to 0)',
      affects: 'training',
      applies: (c) => c.lrMinRatio > 0 && c.scheduler !== 'constant',
    },
  },
  {
    ours: 'warmupSteps',
    llamafactory: { keys: ['warmup_steps'], emit: (c) => warmup(c.config), read: readWarmup },
    axolotl: { keys: ['warmup_steps'], emit: (c) => warmup(c.config), read: readWarmup },
  },
  { ours: 'warmupRatio', llamafactory: { keys: ['warmup_ratio'], emit: () => ({}) }, axolotl: { keys: ['warmup_ratio'], emit: () => ({}) } },
  {
    ours: 'weightDecay',
    llamafactory: same('weight_decay', (c) => c.weightDecay, num, 'weightDecay'),
    axolotl: same('weight_decay', (c) => c.weightDecay, num, 'weightDecay'),
  },
  // Our optimiser is torch's AdamW (betas 0.9/0.999, eps 1e-8): both targets' adamw_torch.
  {
    ours: 'maxGradNorm',
    llamafactory: {
      keys: ['max_grad_norm', 'optim'],
      emit: (c) => ({ max_grad_norm: c.config.maxGradNorm, optim: 'adamw_torch' }),
      read: (d) => defined({ maxGradNorm: num(d.max_grad_norm) }),
    },
    axolotl: {
      keys: ['max_grad_norm', 'optimizer'],
      emit: (c) => ({ max_grad_norm: c.config.maxGradNorm, optimizer: 'adamw_torch' }),
      read: (d) => defined({ maxGradNorm: num(d.max_grad_norm) }),
    },
  },
  {
    ours: 'epochs',
    llamafactory: {
      keys: ['num_train_epochs', 'max_steps'],
      emit: (c) => lengthOf(c.config, 'num_train_epochs'),
      read: (d) => readLength(d, 'num_train_epochs'),
    },
    axolotl: { keys: ['num_epochs', 'max_steps'], emit: (c) => lengthOf(c.config, 'num_epochs'), read: (d) => readLength(d, 'num_epochs') },
  },
  { ours: 'maxSteps', llamafactory: { keys: ['max_steps'], emit: () => ({}) }, axolotl: { keys: ['max_steps'], emit: () => ({}) } },
  {
    ours: 'batchSize',
    llamafactory: {
      keys: ['per_device_train_batch_size', 'gradient_accumulation_steps'],
      emit: (c) => ({ per_device_train_batch_size: c.perDevice.batch, gradient_accumulation_steps: c.perDevice.accum }),
      read: (d, c) => readBatch(d, 'per_device_train_batch_size', c),
    },
    axolotl: {
      keys: ['micro_batch_size', 'gradient_accumulation_steps'],
      emit: (c) => ({ micro_batch_size: c.perDevice.batch, gradient_accumulation_steps: c.perDevice.accum }),
      read: (d, c) => readBatch(d, 'micro_batch_size', c),
    },
  },
  {
    ours: 'gradAccum',
    llamafactory: { keys: ['gradient_accumulation_steps'], emit: () => ({}) },
    axolotl: { keys: ['gradient_accumulation_steps'], emit: () => ({}) },
  },
  { ours: 'maxLen', llamafactory: same('cutoff_len', (c) => c.maxLen, num, 'maxLen'), axolotl: same('sequence_len', (c) => c.maxLen, num, 'maxLen') },
  {
    ours: 'packing',
    // Our packing never lets attention cross examples: LLaMA-Factory's neat_packing, axolotl's sample_packing.
    llamafactory: {
      keys: ['packing', 'neat_packing'],
      emit: (c) => ({ packing: c.config.packing, neat_packing: c.config.packing }),
      read: (d) => defined({ packing: bool(d.neat_packing) ?? bool(d.packing) }),
    },
    axolotl: {
      keys: ['sample_packing', 'eval_sample_packing', 'pad_to_sequence_len'],
      emit: (c) => (c.config.packing ? { sample_packing: true, eval_sample_packing: false, pad_to_sequence_len: true } : { sample_packing: false }),
      read: (d) => defined({ packing: bool(d.sample_packing) }),
    },
  },
  {
    ours: 'lossOn',
    llamafactory: {
      keys: ['train_on_prompt'],
      emit: (c) => ({ train_on_prompt: c.config.lossOn === 'all' }),
      read: (d) => defined({ lossOn: d.train_on_prompt === true ? ('all' as const) : d.train_on_prompt === false ? ('completion' as const) : undefined }),
    },
    axolotl: {
      keys: ['train_on_inputs'],
      emit: (c) => ({ train_on_inputs: c.config.lossOn === 'all' }),
      read: (d) => defined({ lossOn: d.train_on_inputs === true ? ('all' as const) : d.train_on_inputs === false ? ('completion' as const) : undefined }),
    },
  },
  { ours: 'seed', llamafactory: same('seed', (c) => c.seed, num, 'seed'), axolotl: same('seed', (c) => c.seed, num, 'seed') },
  {
    ours: 'gradientCheckpointing',
    // LLaMA-Factory checkpoints by default; it is switched off unless our run used it.
    llamafactory: {
      keys: ['disable_gradient_checkpointing'],
      emit: (c) => ({ disable_gradient_checkpointing: !c.config.gradientCheckpointing }),
      read: (d) => defined({ gradientCheckpointing: typeof d.disable_gradient_checkpointing === 'boolean' ? !d.disable_gradient_checkpointing : undefined }),
    },
    axolotl: same('gradient_checkpointing', (c) => c.gradientCheckpointing, bool, 'gradientCheckpointing'),
  },
  {
    ours: 'data',
    llamafactory: {
      keys: ['dataset', 'dataset_dir', 'template'],
      emit: (c) => ({ dataset: 'tuneloom_train', dataset_dir: c.files.lfDatasetDir, template: c.lfTemplate }),
    },
    axolotl: {
      keys: ['datasets', 'chat_template', 'dataset_prepared_path'],
      emit: (c) => ({ ...(c.kind === 'chat' ? { chat_template: 'tokenizer_default' } : {}), dataset_prepared_path: 'prepared' }),
    },
  },
  // The spec says which files (and encoding) the examples come from; they travel converted, in the data file.
  { ours: 'dataset', llamafactory: { keys: [], emit: () => ({}) }, axolotl: { keys: [], emit: () => ({}) } },
  { ours: 'format', llamafactory: { keys: [], emit: () => ({}) }, axolotl: { keys: [], emit: () => ({}) } },
  { ours: 'map', llamafactory: { keys: [], emit: () => ({}) }, axolotl: { keys: [], emit: () => ({}) } },
  { ours: 'system', llamafactory: { keys: [], emit: () => ({}) }, axolotl: { keys: [], emit: () => ({}) } },
  {
    ours: 'valSplit',
    // The exact validation rows of our seeded split travel as their own file, so no target redraws them.
    llamafactory: {
      keys: ['eval_dataset', 'per_device_eval_batch_size', 'val_size'],
      emit: (c) => (c.hasVal ? { eval_dataset: 'tuneloom_val', per_device_eval_batch_size: c.perDevice.batch } : { val_size: 0 }),
    },
    axolotl: { keys: ['test_datasets', 'val_set_size'], emit: (c) => (c.hasVal ? {} : { val_set_size: 0 }) },
  },
  { ours: 'valData', llamafactory: { keys: [], emit: () => ({}) }, axolotl: { keys: [], emit: () => ({}) } },
  {
    ours: 'evalEvery',
    llamafactory: {
      keys: ['eval_strategy', 'eval_steps', 'do_eval'],
      emit: (c) =>
        !c.hasVal ? {} : c.config.evalEvery > 0 ? { eval_strategy: 'steps', eval_steps: c.config.evalEvery } : { eval_strategy: 'no', do_eval: true },
      read: (d) => (d.eval_strategy === 'steps' ? defined({ evalEvery: num(d.eval_steps) }) : d.eval_strategy === 'no' ? { evalEvery: 0 } : {}),
    },
    axolotl: {
      keys: ['eval_steps', 'eval_strategy'],
      // "Once at the end" is an evaluation at our last step; without a known step count, none.
      emit: (c) =>
        !c.hasVal
          ? {}
          : c.config.evalEvery > 0
            ? { eval_strategy: 'steps', eval_steps: c.config.evalEvery }
            : c.totalSteps
              ? { eval_strategy: 'steps', eval_steps: c.totalSteps }
              : { eval_strategy: 'no' },
      read: (d, c) => {
        const steps = num(d.eval_steps);
        if (d.eval_strategy === 'no') return { evalEvery: 0 };
        return steps === undefined ? {} : { evalEvery: c.totalSteps !== null && steps === c.totalSteps ? 0 : steps };
      },
    },
  },
  {
    ours: 'saveEvery',
    llamafactory: {
      keys: ['save_strategy', 'save_steps'],
      emit: (c) => (c.config.saveEvery > 0 ? { save_strategy: 'steps', save_steps: c.config.saveEvery } : { save_strategy: 'no' }),
      read: (d) => (d.save_strategy === 'no' ? { saveEvery: 0 } : defined({ saveEvery: num(d.save_steps) })),
    },
    axolotl: {
      keys: ['save_strategy', 'save_steps'],
      emit: (c) => (c.config.saveEvery > 0 ? { save_strategy: 'steps', save_steps: c.config.saveEvery } : { save_strategy: 'no' }),
      read: (d) => (d.save_strategy === 'no' ? { saveEvery: 0 } : defined({ saveEvery: num(d.save_steps) })),
    },
  },
  {
    ours: 'out',
    // Every step logged, as our curve has every step; float32 as our run trained (bf16 is faster on GPUs).
    llamafactory: {
      keys: ['output_dir', 'logging_steps', 'plot_loss', 'overwrite_output_dir', 'report_to', 'bf16'],
      emit: (c) => ({ output_dir: c.outputDir, logging_steps: 1, plot_loss: true, overwrite_output_dir: false, report_to: 'none', bf16: false }),
    },
    axolotl: {
      keys: ['output_dir', 'logging_steps', 'save_safetensors', 'bf16', 'tf32'],
      emit: (c) => ({ output_dir: c.outputDir, logging_steps: 1, save_safetensors: true, bf16: false, tf32: false }),
    },
  },
  // The run's name names the output folder (see out).
  { ours: 'name', llamafactory: { keys: [], emit: () => ({}) }, axolotl: { keys: [], emit: () => ({}) } },
  {
    ours: '--gpus',
    // LLaMA-Factory takes FSDP from accelerate's --config_file (README); axolotl from its own YAML.
    llamafactory: { keys: ['deepspeed', 'ddp_timeout'], emit: (c) => (c.files.deepspeed ? { deepspeed: c.files.deepspeed, ddp_timeout: 180000000 } : {}) },
    axolotl: {
      keys: ['deepspeed', 'fsdp_version', 'fsdp_config'],
      emit: (c) =>
        c.files.deepspeed
          ? { deepspeed: c.files.deepspeed }
          : c.distributed === 'fsdp'
            ? {
                fsdp_version: 2,
                fsdp_config: {
                  offload_params: false,
                  auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
                  transformer_layer_cls_to_wrap: c.layerClass,
                  state_dict_type: 'FULL_STATE_DICT',
                  reshard_after_forward: true,
                  activation_checkpointing: false,
                },
              }
            : {},
    },
  },
  {
    ours: 'sampleEvery',
    llamafactory: { none: 'sample answers during training: Tuneloom only', affects: 'monitoring', applies: (c) => c.sampleEvery > 0 || !!c.samplePrompts },
    axolotl: { none: 'sample answers during training: Tuneloom only', affects: 'monitoring', applies: (c) => c.sampleEvery > 0 || !!c.samplePrompts },
  },
  {
    ours: 'samplePrompts',
    llamafactory: { none: 'sample prompts: Tuneloom only', affects: 'monitoring', applies: (c) => !!c.samplePrompts },
    axolotl: { none: 'sample prompts: Tuneloom only', affects: 'monitoring', applies: (c) => !!c.samplePrompts },
  },
  {
    ours: 'sampleMaxNewTokens',
    llamafactory: { none: 'sample length: Tuneloom only', affects: 'monitoring', applies: () => false },
    axolotl: { none: 'sample length: Tuneloom only', affects: 'monitoring', applies: () => false },
  },
  {
    ours: 'frozenWeights',
    llamafactory: { none: "the precision of this machine's frozen weights (ggml engine)", affects: 'monitoring', applies: (c) => !!c.frozenWeights },
    axolotl: { none: "the precision of this machine's frozen weights (ggml engine)", affects: 'monitoring', applies: (c) => !!c.frozenWeights },
  },
  {
    ours: 'grpo',
    llamafactory: { none: 'GRPO with reward functions: LLaMA-Factory has no GRPO stage', affects: 'training', applies: (c) => !!c.grpo },
    axolotl: {
      none: "GRPO: axolotl's rl: grpo takes reward functions as Python modules, which this export does not write",
      affects: 'training',
      applies: (c) => !!c.grpo,
    },
  },
  {
    ours: 'resumeFrom',
    llamafactory: { none: "a resume point on this machine's disk", affects: 'monitoring', applies: (c) => !!c.resumeFrom },
    axolotl: { none: "a resume point on this machine's disk", affects: 'monitoring', applies: (c) => !!c.resumeFrom },
  },
];

export interface BuiltRecipe {
  doc: YamlMap;
  /** The fields the target cannot reproduce that change what is trained: the export is refused. */
  refusals: string[];
  /** Our fields that are not part of a recipe (monitoring only), one line each. */
  notes: string[];
  /** The same, as field names (language-neutral, for the app). */
  noteFields: string[];
}

/** Runs every row of the table for a target. */
export function buildRecipe(target: RecipeTarget, c: RecipeContext): BuiltRecipe {
  const doc: YamlMap = {};
  const refusals: string[] = [];
  const notes: string[] = [];
  const noteFields: string[] = [];
  for (const row of RECIPE_FIELDS) {
    const cell = row[target];
    if ('none' in cell) {
      if (!(cell.applies?.(c.config) ?? true)) continue;
      (cell.affects === 'training' ? refusals : notes).push(`${row.ours}: ${cell.none}`);
      if (cell.affects === 'monitoring') noteFields.push(row.ours);
      continue;
    }
    const out = cell.emit(c);
    if (isRefusal(out)) refusals.push(`${row.ours}: ${out.refuse}`);
    else for (const [k, v] of Object.entries(out)) if (v !== undefined) doc[k] = v;
  }
  return { doc, refusals: [...new Set(refusals)], notes, noteFields };
}

/** Our fields back from a target's YAML, through the same table. */
export function readRecipe(target: RecipeTarget, doc: YamlMap, c: ReadContext): Partial<TrainConfig> {
  const out: Partial<TrainConfig> = {};
  for (const row of RECIPE_FIELDS) {
    const cell = row[target];
    if ('read' in cell && cell.read) Object.assign(out, cell.read(doc, c));
  }
  return out;
}
