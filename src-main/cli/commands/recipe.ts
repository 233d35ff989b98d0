/**
 * `tuneloom export-recipe RUN --to llamafactory|axolotl --out DIR [--gpus N]` and `tuneloom runs import
 * DIR` (../shared/docs/CLI.md): a run's recipe for a distributed trainer, and its result brought back.
 */
import { UserError } from '../../errors';
import { DISTRIBUTED, RECIPE_TARGETS, type Distributed, type RecipeTarget } from '../../recipe/recipe-fields';
import { exportRecipe } from '../../recipe/export-recipe';
import { importRun } from '../../recipe/import-run';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { flag, str, writeJson, type CliCommand } from '../command';
import { parseNumberFlag } from '../parse-number';

const exportRecipeCommand: CliCommand = {
  name: 'export-recipe',
  summary: "Write a run's recipe for LLaMA-Factory or axolotl (multi-GPU).",
  help: `Usage: tuneloom export-recipe RUN --to llamafactory|axolotl --out DIR [--gpus N]
                              [--distributed zero2|zero3|fsdp|none] [--force] [--db FILE] [--json]

Writes run RUN as a recipe for a distributed trainer, into the new folder DIR:
  data/        the run's own training and validation examples (the same seeded split) in the target's
               format: LLaMA-Factory alpaca or sharegpt JSON with dataset_info.json; axolotl
               chat_template JSON lines
  *.yaml       the same hyper-parameters as the run (llamafactory_lora_sft.yaml | axolotl_lora.yaml)
  ds_config.json / fsdp_config.yaml   DeepSpeed ZeRO-2/3 or FSDP for N GPUs
  README.md    the exact commands, and what to copy back for \`tuneloom runs import\`
  tuneloom-recipe.json   the run's config, read back by \`tuneloom runs import\`
A setting the target cannot reproduce (P-Tuning v2, a fractional LoRA alpha, --init-adapter) refuses
the export with one line saying which; nothing is written then.

Options:
  --to T            llamafactory or axolotl
  --out DIR         a new folder (an existing non-empty one is refused unless --force)
  --gpus N          GPUs to train on (default 1); the run's batch x grad-accum is kept as the global batch
  --distributed D   zero2 (default with more than one GPU), zero3, fsdp, or none
  --force           replace an existing --out folder
  --db FILE         the store the run is in (default $TUNELOOM_HOME/tuneloom.db)
  --json            {"out","to","yaml","files":[...],"examples":{"train","val"},"notes":[...]}
`,
  options: { to: { type: 'string' }, out: { type: 'string' }, gpus: { type: 'string' }, distributed: { type: 'string' }, force: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    const raw = ctx.positionals[0];
    const runId = Number(raw);
    if (raw === undefined || !Number.isInteger(runId) || runId < 1)
      throw new UserError(raw === undefined ? 'a run id is missing' : `"${raw}" is not a run id`, {
        hint: 'usage: tuneloom export-recipe RUN --to llamafactory|axolotl --out DIR',
      });
    const to = str(ctx, 'to');
    if (!to || !RECIPE_TARGETS.includes(to as RecipeTarget))
      throw new UserError(`--to must be one of ${RECIPE_TARGETS.join(', ')}${to ? `, got "${to}"` : ''}`);
    const out = str(ctx, 'out');
    if (!out) throw new UserError('--out is required', { hint: 'pass --out DIR, a new folder for the recipe' });
    const distributed = str(ctx, 'distributed');
    if (distributed !== undefined && !DISTRIBUTED.includes(distributed as Distributed))
      throw new UserError(`--distributed must be one of ${DISTRIBUTED.join(', ')}, got "${distributed}"`);
    const gpus = parseNumberFlag(str(ctx, 'gpus'), 'gpus', { integer: true, fallback: 1 })!;
    const db = openStore(resolveStorePath(str(ctx, 'db')));
    try {
      const r = await exportRecipe(db, {
        runId,
        to: to as RecipeTarget,
        out,
        gpus,
        distributed: distributed as Distributed | undefined,
        force: flag(ctx, 'force'),
      });
      if (flag(ctx, 'json')) return writeJson(ctx, r);
      ctx.stdout.write(
        `recipe for ${r.to}: ${r.out} (${r.examples.train} training, ${r.examples.val} validation example(s))\n  ${r.files.join('\n  ')}\nsee ${r.out}/README.md for the commands\n`,
      );
      for (const n of r.notes) ctx.stderr.write(`note: not part of the recipe: ${n}\n`);
    } finally {
      db.close();
    }
  },
};

const runsImportCommand: CliCommand = {
  name: 'runs import',
  summary: 'Import a run trained elsewhere (PEFT adapter + logs).',
  help: `Usage: tuneloom runs import DIR [--name NAME] [--model DIR] [--out DIR] [--db FILE] [--json]

Makes a completed run in the store from DIR, the output folder of a training run elsewhere
(LLaMA-Factory, axolotl or any Hugging Face Trainer): the PEFT LoRA adapter (adapter_config.json +
adapter_model.safetensors), the loss curve from LLaMA-Factory's trainer_log.jsonl or the HF
trainer_state.json log_history (also in the last checkpoint-N), and the config from the recipe
(tuneloom-recipe.json and the YAML, found in DIR or up to two folders above) and the adapter.
The files are copied into the store's imports/ folder; DIR is never changed.

Options:
  --name NAME   the run's name (default: the exported run's name and the tool, or DIR's name)
  --model DIR   the base model folder (default: the recipe's, or the adapter's base_model_name_or_path
                when it is a folder on this machine)
  --out DIR     where the copy goes (default: imports/NAME beside the store file)
  --db FILE     the store (default $TUNELOOM_HOME/tuneloom.db)
  --json        {"runId","name","tool","steps","curve","adapterPath","modelPath"}
`,
  options: { name: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
  async run(ctx) {
    const dir = ctx.positionals[0];
    if (!dir) throw new UserError('a folder to import is missing', { hint: 'usage: tuneloom runs import DIR' });
    const storePath = resolveStorePath(str(ctx, 'db'));
    const db = openStore(storePath);
    try {
      const r = await importRun(db, { dir, name: str(ctx, 'name'), model: str(ctx, 'model'), out: str(ctx, 'out'), storePath });
      if (flag(ctx, 'json')) return writeJson(ctx, r);
      ctx.stdout.write(
        `imported run ${r.runId} "${r.name}" from ${r.tool}: ${r.steps} logged step(s)${r.curve ? ` (${r.curve})` : ', no log found'}; adapter: ${r.adapterPath}\n`,
      );
    } finally {
      db.close();
    }
  },
};

export const recipeCommands = { exportRecipeCommand, runsImportCommand };
