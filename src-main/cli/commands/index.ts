/** Every `tuneloom` command, in the order `--help` lists them (../shared/docs/CLI.md). */
import type { CliCommand } from '../command';
import { trainCommand } from './train';
import { tokenizeCommand } from './tokenize';
import { inspectLogitsCommand } from './inspect-logits';
import { generateCommand } from './generate';
import { serveCommand } from './serve';
import { metricsCommand } from './metrics';
import { modelsCommands } from './models';
import { runsCommands } from './runs';
import { dataInspectCommand } from './data-inspect';
import { exportCommand } from './export';
import { evalCommand } from './eval';
import { recipeCommands } from './recipe';

export const commands: CliCommand[] = [
  tokenizeCommand,
  inspectLogitsCommand,
  generateCommand,
  dataInspectCommand,
  trainCommand,
  evalCommand,
  metricsCommand,
  runsCommands.listCommand,
  runsCommands.showCommand,
  runsCommands.compareCommand,
  runsCommands.resumeCommand,
  recipeCommands.runsImportCommand,
  exportCommand,
  recipeCommands.exportRecipeCommand,
  serveCommand,
  ...modelsCommands,
];
