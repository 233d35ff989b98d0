/**
 * The rows of the recipe field table (./recipe-fields.ts) for what is trained: the model, the method and
 * the adapter, the optimiser and its schedule, the length of training, the batch, the sequence length,
 * packing, the loss and the seed. Each row: our field, then its LLaMA-Factory cell and its axolotl cell.
 */
import type { TrainConfig } from '../engine/train/train-config';
import { bool, defined, num, same, type Emitted, type FieldRow, type ReadContext, type RecipeContext, type Unmapped } from './recipe-cells';
import type { YamlMap, YamlValue } from './yaml';

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

export const TRAINING_FIELDS: readonly FieldRow[] = [
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
];
