/**
 * The new-run wizard's settings as the LaunchRequest that Launch sends (and a recipe export is made
 * from). Pure, so the wizard component holds only state and markup.
 */
import type { DatasetRecord, ModelRecord } from '../../../src-shared/dto/library';
import type { BackendChoice, LaunchRequest } from '../../../src-shared/ipc-contract';
import type { PresetId, WizardConfig } from '../../lib/presets';

/** Everything a launch is made from: the wizard's settings, its picks and the app's backend choice. */
export interface LaunchInputs {
  config: WizardConfig;
  preset: PresetId;
  model: ModelRecord;
  dataset: DatasetRecord;
  backend: BackendChoice;
  /** The Review step's text box: one prompt a line. */
  samplePrompts: string;
}

/** The fixed prompts of the samples timeline: the non-empty lines, at most 8. */
export function samplePromptLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 8);
}

export function buildLaunchRequest(i: LaunchInputs): LaunchRequest {
  const { name, format: _format, metrics: _metrics, grpo, ...settings } = i.config;
  const rewardFile = grpo?.rewardFile?.trim();
  return {
    ...settings,
    ...(grpo
      ? {
          grpo: {
            numGenerations: grpo.numGenerations,
            beta: grpo.beta,
            maxNewTokens: grpo.maxNewTokens,
            temperature: grpo.temperature,
            rewards: [...grpo.rewards],
            ...(rewardFile ? { rewardFile } : {}),
          },
        }
      : {}),
    name: name.trim() || `${i.preset}-${new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')}`,
    preset: i.preset,
    modelPath: i.model.path,
    // By id: main reads every file of the dataset, in the encoding, format and column map of its import.
    datasetId: i.dataset.id,
    backend: i.backend,
    samplePrompts: grpo ? [] : samplePromptLines(i.samplePrompts),
  };
}
