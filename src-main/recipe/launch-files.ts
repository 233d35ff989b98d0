/**
 * The multi-GPU side of a recipe: a DeepSpeed ZeRO-2/3 JSON (the values of LLaMA-Factory's
 * examples/deepspeed/ds_z{2,3}_config.json; "auto" lets the HF Trainer fill batch, accumulation and
 * clipping from the YAML, so the two can never disagree), an accelerate FSDP config for LLaMA-Factory
 * (examples/accelerate/fsdp_config.yaml, num_processes = the GPU count), and the README with the exact
 * commands. Pins: ./target-schemas.ts.
 */
import type { Distributed, RecipeTarget } from './recipe-fields';
import type { YamlMap } from './yaml';

export function deepspeedConfig(stage: 2 | 3): Record<string, unknown> {
  const common = {
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    zero_allow_untested_optimizer: true,
    fp16: { enabled: 'auto', loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
    bf16: { enabled: 'auto' },
  };
  const zero =
    stage === 2
      ? {
          stage: 2,
          allgather_partitions: true,
          allgather_bucket_size: 5e8,
          overlap_comm: false,
          reduce_scatter: true,
          reduce_bucket_size: 5e8,
          contiguous_gradients: true,
          round_robin_gradients: true,
        }
      : {
          stage: 3,
          overlap_comm: false,
          contiguous_gradients: true,
          sub_group_size: 1e9,
          reduce_bucket_size: 'auto',
          stage3_prefetch_bucket_size: 'auto',
          stage3_param_persistence_threshold: 'auto',
          stage3_max_live_parameters: 1e9,
          stage3_max_reuse_distance: 1e9,
          stage3_gather_16bit_weights_on_model_save: true,
        };
  return { ...common, zero_optimization: zero };
}

/** accelerate's FSDP config for `accelerate launch --config_file` (LLaMA-Factory's FSDP route). */
export function accelerateFsdpConfig(gpus: number, layerClass: string): YamlMap {
  return {
    compute_environment: 'LOCAL_MACHINE',
    debug: false,
    distributed_type: 'FSDP',
    downcast_bf16: 'no',
    fsdp_config: {
      fsdp_auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
      fsdp_transformer_layer_cls_to_wrap: layerClass,
      fsdp_backward_prefetch: 'BACKWARD_PRE',
      fsdp_forward_prefetch: false,
      fsdp_cpu_ram_efficient_loading: true,
      fsdp_offload_params: false,
      fsdp_sharding_strategy: 'FULL_SHARD',
      fsdp_state_dict_type: 'FULL_STATE_DICT',
      fsdp_sync_module_states: true,
      fsdp_use_orig_params: true,
    },
    machine_rank: 0,
    main_training_function: 'main',
    // Our run trained in float32; accelerate's mixed precision stays off to keep it.
    mixed_precision: 'no',
    num_machines: 1,
    num_processes: gpus,
    rdzv_backend: 'static',
    same_network: true,
    tpu_env: [],
    tpu_use_cluster: false,
    tpu_use_sudo: false,
    use_cpu: false,
  };
}

export interface ReadmeFacts {
  target: RecipeTarget;
  runName: string;
  runId: number | null;
  yaml: string;
  gpus: number;
  distributed: Distributed;
  outputDir: string;
  model: string;
  localModel: boolean;
  examples: { train: number; val: number };
  format: string;
  notes: string[];
  pin: { version: string; commit: string };
}

export function readme(f: ReadmeFacts): string {
  const lf = f.target === 'llamafactory';
  const tool = lf ? 'LLaMA-Factory' : 'axolotl';
  const install = lf ? 'pip install "llamafactory[torch,metrics,deepspeed]"' : 'pip install "axolotl[flash-attn,deepspeed]"';
  const cmds: string[] = [];
  if (lf) {
    // llamafactory.launcher run as a module trains in this process (it is what FORCE_TORCHRUN starts per GPU);
    // `llamafactory-cli train` under accelerate would start torchrun again inside every process.
    if (f.distributed === 'fsdp') cmds.push(`accelerate launch --config_file fsdp_config.yaml -m llamafactory.launcher ${f.yaml}`);
    else if (f.gpus > 1) {
      cmds.push(`FORCE_TORCHRUN=1 NPROC_PER_NODE=${f.gpus} llamafactory-cli train ${f.yaml}`);
      cmds.push('', '# or on two nodes (run on each, NODE_RANK 0 and 1; NPROC_PER_NODE = GPUs per node):');
      cmds.push(`FORCE_TORCHRUN=1 NNODES=2 NODE_RANK=0 MASTER_ADDR=192.168.0.1 MASTER_PORT=29500 llamafactory-cli train ${f.yaml}`);
    } else cmds.push(`llamafactory-cli train ${f.yaml}`);
  } else {
    cmds.push(`axolotl preprocess ${f.yaml}`);
    cmds.push(f.gpus > 1 ? `accelerate launch --num_processes ${f.gpus} -m axolotl.cli.train ${f.yaml}` : `accelerate launch -m axolotl.cli.train ${f.yaml}`);
  }
  const logs = lf ? 'trainer_log.jsonl and trainer_state.json' : 'trainer_state.json (in the last checkpoint-N folder when the top folder has none)';
  const lines = [
    `# ${f.runName}: ${f.runId === null ? 'Tuneloom wizard settings' : `Tuneloom run ${f.runId}`}, recipe for ${tool}`,
    '',
    `Exported by Tuneloom for ${tool} ${f.pin.version} (checked against commit ${f.pin.commit}).`,
    `The YAML has the same hyper-parameters as the ${f.runId === null ? 'wizard set' : 'run'} (LoRA rank/alpha/dropout/targets, learning rate,`,
    `schedule, warm-up, length, batch x accumulation, max length, packing, seed, loss mask); the data is`,
    `the run's own ${f.examples.train} training and ${f.examples.val} validation example(s) in ${f.format} format.`,
    '',
    '## Run it',
    '',
    'Copy this folder to the GPU machine, then from inside it:',
    '',
    '```bash',
    install,
    ...cmds,
    '```',
    '',
    f.gpus > 1
      ? `${f.gpus} GPUs: the global batch (rows per optimiser step) is the run's; the YAML's per-device values multiply back to it.`
      : 'Exported for one GPU; export again with `tuneloom export-recipe RUN --gpus N` for N.',
    f.distributed === 'zero2' || f.distributed === 'zero3'
      ? `DeepSpeed ZeRO-${f.distributed === 'zero2' ? 2 : 3}: ds_config.json ("auto" values come from the YAML).`
      : f.distributed === 'fsdp'
        ? lf
          ? 'FSDP: fsdp_config.yaml (accelerate, num_processes = GPUs).'
          : 'FSDP 2: fsdp_config in the YAML.'
        : '',
    '',
    lf
      ? `Data: data/dataset_info.json names tuneloom_train${f.examples.val ? " and tuneloom_val (the run's own validation rows, not a new draw)" : ''}; the template is LLaMA-Factory's for the model's family.`
      : "Data: chat_template rows rendered by the model's own chat template (tokenizer_default), as Tuneloom trained them; axolotl's `alpaca` type is not used, it would wrap chats in the Alpaca prompt instead.",
    '',
    '## Model',
    '',
    f.localModel
      ? `The YAML loads the base model from ${f.model}, the folder on the machine that exported it: put the model there, or change ${lf ? 'model_name_or_path' : 'base_model'} to its path or Hugging Face id.`
      : `The YAML loads ${f.model} from the Hugging Face hub. For the 7B or 14B version of the same recipe, change ${lf ? 'model_name_or_path' : 'base_model'} to it.`,
    'The run trained in float32 (bf16: false); set bf16: true for speed on GPUs that have it: a small numeric difference.',
    '',
    '## Bring the result back',
    '',
    `When training ends, ${f.outputDir}/ holds the PEFT adapter (adapter_config.json, adapter_model.safetensors) and ${logs}.`,
    'Copy this whole folder back (the import finds tuneloom-recipe.json two levels above the output), or copy',
    `${f.outputDir}/ alone with tuneloom-recipe.json put inside it, and import it:`,
    '',
    '```bash',
    `tuneloom runs import ${f.outputDir}`,
    '```',
    '',
    'or Runs → Import in the app. The run then shows its loss curve next to the local runs, and can be compared,',
    'evaluated, tried in the Playground and exported like any other.',
    '',
    '## Not part of this recipe',
    '',
    'Sample answers during training, truncation of over-long rows (Tuneloom cuts the tail and skips rows whose',
    'answer would not start; the target applies its own rule) and the data order (the seed is the same, the samplers differ).',
    ...f.notes.map((n) => `- ${n}`),
    '',
  ];
  return lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
}
