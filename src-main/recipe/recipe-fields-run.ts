/**
 * The rows of the recipe field table (./recipe-fields.ts) for everything around the training itself:
 * the data files, validation and evaluation, checkpoints, the output folder, the GPUs, and the fields
 * that only this app has (sample prompts, the ggml engine's frozen weights, GRPO, resume points).
 */
import { defined, num, type FieldRow } from './recipe-cells';

export const RUN_FIELDS: readonly FieldRow[] = [
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
